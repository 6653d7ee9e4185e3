"""The "Delete data" page (P19): recordings of a time span, all of a camera's recordings,
or the whole account (password, two-step code if on, and a mailed code); each ends on the
signed receipt, which can be downloaded again later.

Times in the form are read as UTC, which the page says next to the fields.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, Response
from sqlalchemy.orm import Session

from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import SESSION_COOKIE, ContextDep, check_csrf
from hearthwatch.context import AppContext
from hearthwatch.devices.service import list_cameras
from hearthwatch.errors import HearthwatchError, ValidationFailed
from hearthwatch.privacy.erasure import identity as erasure_identity
from hearthwatch.privacy.erasure import service as erasure
from hearthwatch.privacy.erasure.schemas import AccountErasureIn
from hearthwatch.web.forms import FormDep, FormProblem, parse
from hearthwatch.web.rendering import not_found, render
from hearthwatch.web.viewer import ViewerDep, WebDb, to_signin

router = APIRouter(prefix="/privacy/erase")

PAGE = "/privacy/erase"
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


def _failed(
    request: Request,
    ctx: AppContext,
    db: Session,
    viewer: Caller,
    form_name: str,
    err: HearthwatchError,
    **extra: Any,
) -> Response:
    problems = {form_name: FormProblem.of(err, ACCOUNT_FIELDS)}
    return _page(request, ctx, db, viewer, err.status, problems=problems, **extra)


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
def erase_page(request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep) -> Response:
    if viewer is None:
        return to_signin(PAGE)
    return _page(request, ctx, db, viewer)


@router.post("/range")
def erase_range(
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: ViewerDep,
    form: FormDep,
    tasks: BackgroundTasks,
) -> Response:
    if viewer is None:
        return to_signin(PAGE)
    try:
        check_csrf(request, submitted=form.csrf_token)
        outcome = erasure.erase_range(
            ctx,
            db,
            user_id=viewer.user.id,
            camera_id=form.value("camera_id"),
            start_us=_moment_us(form.value("start"), "start"),
            end_us=_moment_us(form.value("end"), "end"),
        )
    except HearthwatchError as err:
        values = form.keep("camera_id", "start", "end")
        return _failed(request, ctx, db, viewer, "range", err, values=values)
    if outcome.job_id:
        tasks.add_task(erasure.run_job, ctx, outcome.job_id)
    return _done(request, ctx, viewer, outcome)


@router.post("/device")
def erase_device(
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: ViewerDep,
    form: FormDep,
    tasks: BackgroundTasks,
) -> Response:
    if viewer is None:
        return to_signin(PAGE)
    try:
        check_csrf(request, submitted=form.csrf_token)
        outcome = erasure.erase_device(
            ctx,
            db,
            user_id=viewer.user.id,
            camera_id=form.value("camera_id"),
            unbind=form.value("unbind") == "on",
        )
    except HearthwatchError as err:
        return _failed(request, ctx, db, viewer, "device", err)
    if outcome.job_id:
        tasks.add_task(erasure.run_job, ctx, outcome.job_id)
    return _done(request, ctx, viewer, outcome)


@router.post("/account/code")
def send_code(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
) -> Response:
    if viewer is None:
        return to_signin(PAGE)
    try:
        check_csrf(request, submitted=form.csrf_token)
        erasure_identity.request_code(ctx, db, user=viewer.user)
    except HearthwatchError as err:
        return _failed(request, ctx, db, viewer, "account", err)
    return _page(request, ctx, db, viewer, code_sent=True)


@router.post("/account")
def erase_account(
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: ViewerDep,
    form: FormDep,
    tasks: BackgroundTasks,
) -> Response:
    if viewer is None:
        return to_signin(PAGE)
    try:
        check_csrf(request, submitted=form.csrf_token)
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
    except HearthwatchError as err:
        return _failed(request, ctx, db, viewer, "account", err, code_sent=True)
    if outcome.job_id:
        tasks.add_task(erasure.run_job, ctx, outcome.job_id)
    response = _done(request, ctx, None, outcome)
    response.delete_cookie(SESSION_COOKIE, path="/")  # the session itself is gone
    return response


@router.get("/receipts/{receipt_id}")
def download_receipt(
    receipt_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep
) -> Response:
    if viewer is None:
        return to_signin(PAGE)
    try:
        receipt = erasure.receipt_of(db, user_id=viewer.user.id, receipt_id=receipt_id)
    except HearthwatchError:
        return not_found(request, ctx, viewer)
    return Response(
        json.dumps(receipt, indent=2, sort_keys=True),
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="erasure-{receipt_id}.json"'},
    )
