"""The operator's proofs in the web app: what `/api/v1/privacy/operator/*` and the CLI give.

    /operator/statistics   aggregate usage figures, small groups suppressed (item 16, P44)
    /operator/audit        the audit log's hash chain checked, against an expected head too
    /operator/check        the privacy check's findings, grouped by kind (item 13)

The pages call the same functions as the API (`statistics.usage_statistics`, which audits
every run, `audit.verify`, `privacy_check.check`). Only accounts with the operator role
(access/operators.py) see them; anyone else signed in gets a 403 page, like the desk.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request, Response

from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep
from hearthwatch.context import AppContext
from hearthwatch.errors import ValidationFailed
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.oversight import check as privacy_check
from hearthwatch.privacy.oversight import statistics
from hearthwatch.web.deps import OperatorViewer, WebRoute
from hearthwatch.web.forms import FormProblem
from hearthwatch.web.rendering import render
from hearthwatch.web.viewer import WebDb

router = APIRouter(prefix="/operator", route_class=WebRoute)
HEAD_HASH = re.compile(r"^[0-9a-f]{64}$")
KINDS: Mapping[str, str] = {
    "retention": "Kept past its retention",
    "undeclared_column": "Not in the data map",
    "legal_basis": "Without a purpose, a legal basis or an enforced retention",
    "notice": "Privacy notice behind the data map",
}

Build = Callable[[], dict[str, Any]]


def operator_page(
    request: Request, ctx: AppContext, viewer: Caller, path: str, template: str,
    build: Build, status: int = 200,
) -> Response:  # fmt: skip
    """`template` filled by `build()` for an operator (the `OperatorViewer` checked the role)."""
    page = build()
    return render(
        request, ctx, template, viewer=viewer, section="operator", tool=path, status=status, **page
    )


@router.get("/statistics")
def statistics_page(
    request: Request, ctx: ContextDep, db: WebDb, viewer: OperatorViewer
) -> Response:
    def build() -> dict[str, Any]:
        return {"report": statistics.usage_statistics(ctx, db)}

    return operator_page(
        request, ctx, viewer, "/operator/statistics", "operator_statistics.html", build
    )


@router.get("/audit")
def audit_page(
    request: Request, ctx: ContextDep, db: WebDb, viewer: OperatorViewer, expect_head: str = ""
) -> Response:
    """The chain checked; `expect_head`, a head hash noted earlier, must still be in it."""
    typed = expect_head.strip()
    expected = typed.lower() or None
    problem = None
    if expected is not None and not HEAD_HASH.match(expected):
        problem = FormProblem.of(_bad_head())
        expected = None

    def build() -> dict[str, Any]:
        found = audit.verify(db, expect_head=expected)
        return {
            "found": found, "expected": expected, "problem": problem,
            "expected_missing": audit.EXPECTED_HEAD_MISSING in found.problems,
            "values": {"expect_head": typed},
        }  # fmt: skip

    status = 422 if problem else 200
    return operator_page(
        request, ctx, viewer, "/operator/audit", "operator_audit.html", build, status
    )


def _bad_head() -> ValidationFailed:
    message = "Give a head hash of 64 characters, 0-9 and a-f, as the log showed it."
    return ValidationFailed(
        "Some fields need a fix.", details=[{"field": "expect_head", "message": message}]
    )


@router.get("/check")
def check_page(request: Request, ctx: ContextDep, viewer: OperatorViewer) -> Response:
    def build() -> dict[str, Any]:
        result = privacy_check.check(ctx)
        groups = {
            kind: [f for f in result.findings if f.kind == kind]
            for kind in [*KINDS, *sorted({f.kind for f in result.findings} - set(KINDS))]
        }
        return {"result": result, "groups": groups, "kinds": KINDS}

    return operator_page(request, ctx, viewer, "/operator/check", "operator_check.html", build)
