"""/operator/minors: accounts held for a guardian's consent, for operators (P4, item 14).

The same list and the same "shown to be 16 or older" as `/api/v1/privacy/operator/minors`
and `hearthwatch privacy minors` (`privacy/minors_operator.py`): people masked (P45), each
clearing audited with the reason the operator gives.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from hearthwatch.access.operators import is_operator, require_operator
from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep
from hearthwatch.context import AppContext
from hearthwatch.errors import ValidationFailed
from hearthwatch.privacy import minors_operator
from hearthwatch.web.forms import FormDep, FormProblem, PostedForm
from hearthwatch.web.operator_tools_pages import operator_page, refused
from hearthwatch.web.posting import form_post
from hearthwatch.web.viewer import ViewerDep, WebDb

router = APIRouter(prefix="/operator/minors")
PATH = "/operator/minors"
REASON_WORDS = {
    "sign_up": "Under 16 at sign-up",
    "reported": "Reported as a child's account",
}


def _page(
    request: Request, ctx: AppContext, db: Session, viewer: Caller | None, *,
    failed: str | None = None, problem: FormProblem | None = None, status: int = 200,
    values: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    def build() -> dict[str, Any]:
        return {
            "held": minors_operator.held_accounts(db), "reason_words": REASON_WORDS,
            "failed": failed, "problem": problem, "values": values or {},
            "max_reason": minors_operator.MAX_REASON,
        }  # fmt: skip

    return operator_page(request, ctx, viewer, PATH, "operator_minors.html", build, status)


@router.get("")
def minors_page(request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep) -> Response:
    return _page(request, ctx, db, viewer)


@router.post("/{account_id}/clear")
def clear(
    account_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep,
    form: FormDep,
) -> Response:  # fmt: skip
    def work(caller: Caller) -> None:
        operator = require_operator(ctx.settings, caller.user)
        reason = _reason(form)
        minors_operator.clear(ctx, db, account_id=account_id, operator=operator, reason=reason)

    def shown_again(caller: Caller, problem: FormProblem, status: int) -> Response:
        if not is_operator(ctx.settings, caller.user):
            return refused(request, ctx, caller, problem, status)
        return _page(
            request, ctx, db, caller, failed=account_id, problem=problem, status=status,
            values=form.keep("reason"),
        )  # fmt: skip

    return form_post(
        request, form, viewer, page=PATH, work=work, shown_again=shown_again,
        done="minor_cleared", fields_by_code={"minors.not_pending": "reason"},
    )  # fmt: skip


def _reason(form: PostedForm) -> str:
    reason = form.value("reason")
    if not reason or len(reason) > minors_operator.MAX_REASON:
        limit = minors_operator.MAX_REASON
        message = f"Say how they showed they are 16 or older, in at most {limit} characters."
        raise ValidationFailed(
            "Some fields need a fix.", details=[{"field": "reason", "message": message}]
        )
    return reason
