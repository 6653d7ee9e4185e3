"""/operator/requests: the operator's desk for rights requests and complaints (P25-P27).

Only accounts with the operator role (access/operators.py) see these pages; anyone else
signed in is told so with a 403. The person behind a request is shown masked (P45), and
each opening of a request is written to the audit log like the API's and the CLI's.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from hearthwatch.access.operators import is_operator, require_operator
from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep
from hearthwatch.context import AppContext
from hearthwatch.errors import HearthwatchError, NotFound, ValidationFailed
from hearthwatch.privacy.requests import operator as requests_operator
from hearthwatch.privacy.requests import rectification
from hearthwatch.privacy.requests import service as requests
from hearthwatch.web.forms import FormDep, FormProblem, PostedForm
from hearthwatch.web.operator_tools_pages import refused
from hearthwatch.web.posting import form_post
from hearthwatch.web.rendering import not_found, render
from hearthwatch.web.viewer import ViewerDep, WebDb, to_signin

router = APIRouter(prefix="/operator/requests")
PATH = "/operator/requests"
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
def desk(request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep) -> Response:
    """Requests by due date, the most urgent first; ``?state=all`` adds the closed ones."""
    if viewer is None:
        return to_signin(PATH)
    state = "all" if request.query_params.get("state") == "all" else "open"
    try:
        require_operator(ctx.settings, viewer.user)
    except HearthwatchError as err:
        return _refused(request, ctx, viewer, err)
    entries = requests_operator.listing(ctx, db, open_only=state == "open")
    return render(
        request, ctx, "operator_requests.html", viewer=viewer, section="operator",
        entries=entries, state=state, status_words=STATUS_WORDS, kinds=requests.KIND_BY_NAME,
    )  # fmt: skip


@router.get("/{request_id}")
def request_page(
    request_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep
) -> Response:
    if viewer is None:
        return to_signin(f"{PATH}/{request_id}")
    return _page(request, ctx, db, viewer, request_id)


def _page(
    request: Request, ctx: AppContext, db: Session, viewer: Caller, request_id: str,
    problem: FormProblem | None = None, status: int = 200, values: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    try:
        operator = require_operator(ctx.settings, viewer.user)
        opened = requests_operator.view(ctx, db, request_id=request_id, operator=operator)
    except NotFound:
        return not_found(request, ctx, viewer)
    except HearthwatchError as err:
        return _refused(request, ctx, viewer, err)
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


def _refused(request: Request, ctx: AppContext, viewer: Caller, err: HearthwatchError) -> Response:
    return refused(request, ctx, viewer, FormProblem.of(err), err.status)


Change = Callable[[str, PostedForm], object]


def _post(
    request_id: str, request: Request, ctx: AppContext, db: Session, viewer: Caller | None,
    form: PostedForm, change: Change, done: str,
) -> Response:  # fmt: skip
    page = f"{PATH}/{request_id}"

    def work(caller: Caller) -> None:
        change(require_operator(ctx.settings, caller.user), form)

    def shown_again(caller: Caller, problem: FormProblem, status: int) -> Response:
        if not is_operator(ctx.settings, caller.user):
            return render(request, ctx, "problem.html", viewer=caller, status=status,
                          problem=problem, retry_signout=False)  # fmt: skip
        values = form.keep(
            "resolution", "refusal_reason", "extension_reason", "months", "fee", "fee_reason",
            "target", "corrected_value",
        )  # fmt: skip
        return _page(request, ctx, db, caller, request_id, problem, status, values)

    return form_post(request, form, viewer, page=page, work=work, shown_again=shown_again,
                     done=done, fields_by_code=ERROR_FIELDS)  # fmt: skip


@router.post("/{request_id}/start")
def start(
    request_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
) -> Response:
    def change(operator: str, _: PostedForm) -> object:
        return requests.start(ctx, db, request_id=request_id, operator=operator)

    return _post(request_id, request, ctx, db, viewer, form, change, "request_started")


@router.post("/{request_id}/complete")
def complete(
    request_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
) -> Response:
    def change(operator: str, posted: PostedForm) -> object:
        resolution = _text(posted, "resolution", "Write the answer the person will read.")
        return requests.complete(
            ctx, db, request_id=request_id, operator=operator, resolution=resolution
        )

    return _post(request_id, request, ctx, db, viewer, form, change, "request_completed")


@router.post("/{request_id}/refuse")
def refuse(
    request_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
) -> Response:
    def change(operator: str, posted: PostedForm) -> object:
        reason = _text(posted, "refusal_reason", "Give the reason the person will read.")
        return requests.refuse(ctx, db, request_id=request_id, operator=operator, reason=reason)

    return _post(request_id, request, ctx, db, viewer, form, change, "request_refused")


@router.post("/{request_id}/extend")
def extend(
    request_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
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

    return _post(request_id, request, ctx, db, viewer, form, change, "request_extended")


@router.post("/{request_id}/charge")
def charge(
    request_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
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

    return _post(request_id, request, ctx, db, viewer, form, change, "request_charged")


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
    request_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
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

    return _post(request_id, request, ctx, db, viewer, form, change, "request_corrected")
