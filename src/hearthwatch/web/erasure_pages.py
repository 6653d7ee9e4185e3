"""The "Delete data" page (P19): recordings of a time span, all of a camera's recordings,
or the whole account (password, two-step code if on, and a mailed code); each ends on the
signed receipt, which can be downloaded again later.

Times in the form are read as UTC, which the page says next to the fields.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Request, Response
from sqlalchemy.orm import Session

from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import SESSION_COOKIE, ContextDep
from hearthwatch.context import AppContext
from hearthwatch.devices.service import list_cameras
from hearthwatch.errors import ValidationFailed
from hearthwatch.privacy.erasure import identity as erasure_identity
from hearthwatch.privacy.erasure import service as erasure
from hearthwatch.privacy.erasure.schemas import AccountErasureIn
from hearthwatch.web.deps import Again, CheckedForm, WebRoute, shown_again, viewer_from
from hearthwatch.web.forms import FormProblem, parse
from hearthwatch.web.rendering import render
from hearthwatch.web.viewer import WebDb

router = APIRouter(prefix="/privacy/erase", route_class=WebRoute)

PAGE = "/privacy/erase"
# Every route here brings a visitor back to the erase page after signing in.
EraseViewer = Annotated[Caller, viewer_from(PAGE)]
ACCOUNT_FIELDS = {
    "erasure.password_invalid": "password",
    "auth.totp_required": "totp_code",
    "auth.totp_invalid": "totp_code",
    "auth.code_invalid": "code",
    "auth.code_expired": "code",
}


def _page(
    request: Request, ctx: AppContext, db: Session, viewer: Caller, status: int = 200, **extra: Any
) -> Response:
    page: dict[str, Any] = {"problems": {}, "values": {}, "code_sent": False}
    return render(
        request,
        ctx,
        "privacy_erase.html",
        viewer=viewer,
        section="privacy",
        status=status,
        cameras=list_cameras(db, user_id=viewer.user.id),
        receipts=erasure.receipts_of(db, user_id=viewer.user.id),
        totp_on=viewer.user.has_totp,
        **(page | extra),
    )


def _again(
    request: Request,
    ctx: AppContext,
    db: Session,
    viewer: Caller,
    form_name: str,
    **extra: Any,
) -> Again:
    """The page again with the problem at the form called `form_name`."""

    def again(problem: FormProblem, status: int) -> Response:
        return _page(request, ctx, db, viewer, status, problems={form_name: problem}, **extra)

    return again


def _done(
    request: Request, ctx: AppContext, viewer: Caller | None, outcome: erasure.ErasureOutcome
) -> Response:
    return render(
        request,
        ctx,
        "privacy_erase_done.html",
        viewer=viewer,
        section="privacy",
        receipt=outcome.receipt,
        receipt_json=json.dumps(outcome.receipt, indent=2, sort_keys=True),
    )


def _moment_us(text: str, name: str) -> int:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            "Some fields need a fix.",
            details=[{"field": name, "message": "Enter a date and time."}],
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1_000_000)


@router.get("")
def erase_page(request: Request, ctx: ContextDep, db: WebDb, viewer: EraseViewer) -> Response:
    return _page(request, ctx, db, viewer)


@router.post("/range")
def erase_range(
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: EraseViewer,
    form: CheckedForm,
    tasks: BackgroundTasks,
) -> Response:
    values = form.keep("camera_id", "start", "end")
    with shown_again(_again(request, ctx, db, viewer, "range", values=values), ACCOUNT_FIELDS):
        outcome = erasure.erase_range(
            ctx,
            db,
            user_id=viewer.user.id,
            camera_id=form.value("camera_id"),
            start_us=_moment_us(form.value("start"), "start"),
            end_us=_moment_us(form.value("end"), "end"),
        )
    if outcome.job_id:
        tasks.add_task(erasure.run_job, ctx, outcome.job_id)
    return _done(request, ctx, viewer, outcome)


@router.post("/device")
def erase_device(
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: EraseViewer,
    form: CheckedForm,
    tasks: BackgroundTasks,
) -> Response:
    with shown_again(_again(request, ctx, db, viewer, "device"), ACCOUNT_FIELDS):
        outcome = erasure.erase_device(
            ctx,
            db,
            user_id=viewer.user.id,
            camera_id=form.value("camera_id"),
            unbind=form.value("unbind") == "on",
        )
    if outcome.job_id:
        tasks.add_task(erasure.run_job, ctx, outcome.job_id)
    return _done(request, ctx, viewer, outcome)


@router.post("/account/code")
def send_code(
    request: Request, ctx: ContextDep, db: WebDb, viewer: EraseViewer, form: CheckedForm
) -> Response:
    with shown_again(_again(request, ctx, db, viewer, "account"), ACCOUNT_FIELDS):
        erasure_identity.request_code(ctx, db, user=viewer.user)
    return _page(request, ctx, db, viewer, code_sent=True)


@router.post("/account")
def erase_account(
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: EraseViewer,
    form: CheckedForm,
    tasks: BackgroundTasks,
) -> Response:
    again = _again(request, ctx, db, viewer, "account", code_sent=True)
    with shown_again(again, ACCOUNT_FIELDS):
        body = parse(AccountErasureIn, form.present("password", "code", "totp_code"))
        erasure_identity.check_identity(
            ctx,
            db,
            user=viewer.user,
            password=body.password,
            code=body.code,
            totp_code=body.totp_code,
        )
        outcome = erasure.erase_account_data(ctx, db, user=viewer.user)
    if outcome.job_id:
        tasks.add_task(erasure.run_job, ctx, outcome.job_id)
    response = _done(request, ctx, None, outcome)
    response.delete_cookie(SESSION_COOKIE, path="/")  # the session itself is gone
    return response


@router.get("/receipts/{receipt_id}")
def download_receipt(receipt_id: str, db: WebDb, viewer: EraseViewer) -> Response:
    """The receipt as a file; anyone else's is the "not found" page, as a missing one."""
    receipt = erasure.receipt_of(db, user_id=viewer.user.id, receipt_id=receipt_id)
    return Response(
        json.dumps(receipt, indent=2, sort_keys=True),
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="erasure-{receipt_id}.json"'},
    )
