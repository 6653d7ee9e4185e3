"""/operator/requests: the operator's desk for rights requests and complaints (P25-P27).

Only accounts with the operator role (access/operators.py) see these pages; anyone else
signed in is told so with a 403. The person behind a request is shown masked (P45), and
each opening of a request is written to the audit log like the API's and the CLI's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from hearthwatch.access.operators import actor_name
from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep
from hearthwatch.context import AppContext
from hearthwatch.errors import ValidationFailed
from hearthwatch.privacy.requests import operator as requests_operator
from hearthwatch.privacy.requests import rectification
from hearthwatch.privacy.requests import service as requests
from hearthwatch.web.deps import (
    CheckedForm,
    OperatorName,
    OperatorViewer,
    WebRoute,
    shown_again,
    viewer_from,
)
from hearthwatch.web.forms import FormProblem, PostedForm
from hearthwatch.web.rendering import redirect, render
from hearthwatch.web.viewer import WebDb

router = APIRouter(prefix="/operator/requests", route_class=WebRoute)
PATH = "/operator/requests"
# The forms of a request's page bring a visitor back to that page after signing in.
RequestViewer = Annotated[Caller, viewer_from(PATH + "/{request_id}")]
FEE = re.compile(r"^(\d{1,4})(?:[.,](\d{1,2}))?$")
# Which box of the page an error belongs to, so it is shown where it was made.
ERROR_FIELDS = {
    "privacy.extension_too_long": "months",
    "privacy.deadline_passed": "months",
    "privacy.fee_invalid": "fee",
    "privacy.field_not_correctable": "target",
    "privacy.record_not_found": "target",
    "privacy.correction_invalid": "corrected_value",
    "privacy.correction_unchanged": "corrected_value",
}
STATUS_WORDS = {
    requests.RECEIVED: "Waiting for the person's code",
    requests.VERIFIED: "Identity verified, to start",
    requests.IN_PROGRESS: "In progress",
    requests.EXTENDED: "Extended",
    requests.COMPLETED: "Completed",
    requests.REFUSED: "Refused",
}


@router.get("")
def desk(request: Request, ctx: ContextDep, db: WebDb, viewer: OperatorViewer) -> Response:
    """Requests by due date, the most urgent first; ``?state=all`` adds the closed ones."""
    state = "all" if request.query_params.get("state") == "all" else "open"
    entries = requests_operator.listing(ctx, db, open_only=state == "open")
    return render(
        request, ctx, "operator_requests.html", viewer=viewer, section="operator",
        entries=entries, state=state, status_words=STATUS_WORDS, kinds=requests.KIND_BY_NAME,
    )  # fmt: skip


@router.get("/{request_id}")
def request_page(
    request_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: OperatorViewer
) -> Response:
    return _page(request, ctx, db, viewer, request_id)


def _page(
    request: Request, ctx: AppContext, db: Session, viewer: Caller, request_id: str,
    problem: FormProblem | None = None, status: int = 200, values: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    operator = actor_name(viewer.user)  # the role was checked by the route's dependency
    opened = requests_operator.view(ctx, db, request_id=request_id, operator=operator)
    item = opened.entry.request
    kind = requests.KIND_BY_NAME[item.kind]
    # A complaint is answered within 30 days (P27): no extension is offered for it.
    months_left = requests.MAX_EXTENSION_MONTHS - item.extended_months if kind.extendable else 0
    return render(
        request, ctx, "operator_request.html", viewer=viewer, section="operator",
        entry=opened.entry, item=item, steps=opened.steps, kind=kind,
        status_words=STATUS_WORDS, open_states=requests.OPEN_STATES, months_left=months_left,
        corrections=rectification.offered(db, item),
        problem=problem, status=status, values=values or {},
    )  # fmt: skip


Change = Callable[[str, PostedForm], object]
KEPT = (
    "resolution", "refusal_reason", "extension_reason", "months", "fee", "fee_reason",
    "target", "corrected_value",
)  # fmt: skip


def _post(
    request_id: str, request: Request, ctx: AppContext, db: Session, viewer: Caller,
    form: PostedForm, operator: str, change: Change, done: str,
) -> Response:  # fmt: skip
    """Make `change` as this operator; a refusal shows the request's page again."""

    def again(problem: FormProblem, status: int) -> Response:
        values = form.keep(*KEPT)
        return _page(request, ctx, db, viewer, request_id, problem, status, values)

    with shown_again(again, ERROR_FIELDS):
        change(operator, form)
    return redirect(f"{PATH}/{request_id}", done=done)


@router.post("/{request_id}/start")
def start(
    request_id: str,
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: RequestViewer,
    form: CheckedForm,
    operator: OperatorName,
) -> Response:
    def change(operator: str, _: PostedForm) -> object:
        return requests.start(ctx, db, request_id=request_id, operator=operator)

    return _post(request_id, request, ctx, db, viewer, form, operator, change, "request_started")


@router.post("/{request_id}/complete")
def complete(
    request_id: str,
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: RequestViewer,
    form: CheckedForm,
    operator: OperatorName,
) -> Response:
    def change(operator: str, posted: PostedForm) -> object:
        resolution = _text(posted, "resolution", "Write the answer the person will read.")
        return requests.complete(
            ctx, db, request_id=request_id, operator=operator, resolution=resolution
        )

    return _post(request_id, request, ctx, db, viewer, form, operator, change, "request_completed")


@router.post("/{request_id}/refuse")
def refuse(
    request_id: str,
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: RequestViewer,
    form: CheckedForm,
    operator: OperatorName,
) -> Response:
    def change(operator: str, posted: PostedForm) -> object:
        reason = _text(posted, "refusal_reason", "Give the reason the person will read.")
        return requests.refuse(ctx, db, request_id=request_id, operator=operator, reason=reason)

    return _post(request_id, request, ctx, db, viewer, form, operator, change, "request_refused")


@router.post("/{request_id}/extend")
def extend(
    request_id: str,
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: RequestViewer,
    form: CheckedForm,
    operator: OperatorName,
) -> Response:
    def change(operator: str, posted: PostedForm) -> object:
        months = posted.value("months")
        if months not in ("1", "2"):
            raise _invalid("months", "Choose one or two months.")
        reason = _text(
            posted, "extension_reason", "Say why more time is needed; the person reads it."
        )
        return requests.extend(
            ctx, db, request_id=request_id, operator=operator, months=int(months), reason=reason
        )

    return _post(request_id, request, ctx, db, viewer, form, operator, change, "request_extended")


@router.post("/{request_id}/charge")
def charge(
    request_id: str,
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: RequestViewer,
    form: CheckedForm,
    operator: OperatorName,
) -> Response:
    def change(operator: str, posted: PostedForm) -> object:
        fee = FEE.match(posted.value("fee"))
        if fee is None:
            raise _invalid("fee", "Give the fee as an amount, like 12.50.")
        cents = int(fee.group(1)) * 100 + int((fee.group(2) or "0").ljust(2, "0"))
        reason = _text(posted, "fee_reason", "Say why a fee applies; the person reads it.")
        return requests.charge(
            ctx, db, request_id=request_id, operator=operator, fee_cents=cents, reason=reason
        )

    return _post(request_id, request, ctx, db, viewer, form, operator, change, "request_charged")


def _text(form: PostedForm, name: str, message: str) -> str:
    value = form.value(name)
    if not value or len(value) > requests.MAX_DETAILS:
        raise _invalid(name, message)
    return value


def _invalid(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        "Some fields need a fix.", details=[{"field": name, "message": message}]
    )


@router.post("/{request_id}/correct")
def correct(
    request_id: str,
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: RequestViewer,
    form: CheckedForm,
    operator: OperatorName,
) -> Response:
    """P18: correct one field the data map offers, on a rectification request in progress."""

    def change(operator: str, posted: PostedForm) -> object:
        field, _, record_id = posted.value("target").partition(":")
        if not field:
            raise _invalid("target", "Choose what to correct.")
        return rectification.correct(
            ctx, db, request_id=request_id, operator=operator, field=field,
            record_id=record_id or None, value=posted.value("corrected_value"),
        )  # fmt: skip

    return _post(request_id, request, ctx, db, viewer, form, operator, change, "request_corrected")
