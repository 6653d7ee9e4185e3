"""Complaint pages for people without an account (P27); none needs signing in.

/complaints/new                 write a complaint: name (optional), address, text
/complaints/{pending_id}        enter the code mailed to that address (or ask for a new one)

Both show who answers for the data and the supervisory authority. A signed-in person may
use them too, but their own requests page keeps the complaint with their account.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep
from hearthwatch.context import AppContext
from hearthwatch.errors import NotFound
from hearthwatch.privacy.notice import contact as notice_contact
from hearthwatch.privacy.requests import complaints
from hearthwatch.privacy.requests.api import CodeIn
from hearthwatch.privacy.requests.complaints_api import (
    ComplaintIn,
    throttle_address,
    throttle_client,
)
from hearthwatch.privacy.requests.models import PendingComplaint
from hearthwatch.privacy.requests.service import MAX_DETAILS
from hearthwatch.web.deps import Again, CheckedForm, WebRoute, shown_again
from hearthwatch.web.forms import FormProblem, parse
from hearthwatch.web.rendering import redirect, render
from hearthwatch.web.viewer import ViewerDep, WebDb

router = APIRouter(prefix="/complaints", route_class=WebRoute)

TEMPLATE = "complaint.html"
NEW = "/complaints/new"
PENDING_ID = re.compile(r"^[0-9a-f]{32}$")
MESSAGES = {
    "name": f"Use at most {complaints.MAX_NAME} characters, or leave it empty.",
    "email": "Enter the e-mail address we answer to, like name@example.org.",
    "details": f"Describe what you complain about (at most {MAX_DETAILS} characters).",
}
FIELDS = {"privacy.request_details": "details", "privacy.complaint_name": "name"}
NOTICES = {
    "registered": "Thank you: your complaint is registered. We mailed you its reference, "
    "and we answer within 30 days.",
    "code_sent": "A new code is on its way. Check your mailbox.",
}


@router.get("/new")
def new_page(request: Request, ctx: ContextDep, viewer: ViewerDep, done: str = "") -> Response:
    return _page(request, ctx, viewer, "new", notice=NOTICES.get(done))


@router.post("/new")
def submit(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: CheckedForm
) -> Response:
    values = form.keep("name", "email", "details")
    with shown_again(_shown(request, ctx, viewer, "new", values=values), FIELDS):
        throttle_client(ctx, request)
        body = parse(ComplaintIn, form.present("name", "email", "details"), MESSAGES)
        throttle_address(ctx, body.email)
        pending = complaints.submit(ctx, db, email=body.email, name=body.name, details=body.details)
    return redirect(f"/complaints/{pending.id}")


@router.get("/{pending_id}")
def code_page(
    pending_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep,
    done: str = "",
) -> Response:  # fmt: skip
    with shown_again(_shown(request, ctx, viewer, "gone"), FIELDS):
        pending = _pending(ctx, db, pending_id)
    return _page(request, ctx, viewer, "code", pending=pending, notice=NOTICES.get(done))


@router.post("/{pending_id}/verify")
def verify(
    pending_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep,
    form: CheckedForm,
) -> Response:  # fmt: skip
    with shown_again(_code_again(request, ctx, db, viewer, pending_id), FIELDS):
        throttle_client(ctx, request, "complaint-code")
        body = parse(CodeIn, {"code": form.value("code")})
        complaints.verify(ctx, db, pending_id=_checked(pending_id), code=body.code.strip())
    return redirect(NEW, done="registered")


@router.post("/{pending_id}/code")
def resend_code(
    pending_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep,
    form: CheckedForm,
) -> Response:  # fmt: skip
    with shown_again(_code_again(request, ctx, db, viewer, pending_id), FIELDS):
        throttle_client(ctx, request)
        pending = _pending(ctx, db, pending_id)
        throttle_address(ctx, pending.email)
        complaints.send_code(ctx, db, pending_id=pending.id)
    return redirect(f"/complaints/{pending.id}", done="code_sent")


def _checked(pending_id: str) -> str:
    if not PENDING_ID.match(pending_id):
        raise NotFound("There is no such complaint.", code="privacy.complaint_not_found")
    return pending_id


def _pending(ctx: AppContext, db: Session, pending_id: str) -> PendingComplaint:
    return complaints.get_pending(ctx, db, _checked(pending_id))


def _shown(
    request: Request, ctx: AppContext, viewer: Caller | None, mode: str, **context: Any
) -> Again:
    """The page in `mode` again, with the problem where it was made."""
    return lambda problem, status: _page(request, ctx, viewer, mode, problem, status, **context)


def _code_again(
    request: Request, ctx: AppContext, db: Session, viewer: Caller | None, pending_id: str
) -> Again:
    """The code form with its problem; or, when the complaint is gone, what stopped it."""

    def again(problem: FormProblem, status: int) -> Response:
        try:
            pending = _pending(ctx, db, pending_id)
        except NotFound:
            return _page(request, ctx, viewer, "gone", problem, status)
        return _page(request, ctx, viewer, "code", problem, status, pending=pending, notice=None)

    return again


def _page(
    request: Request, ctx: AppContext, viewer: Caller | None, mode: str,
    problem: FormProblem | None = None, status: int = 200, **context: Any,
) -> Response:  # fmt: skip
    """The complaint page in one of its modes, with the problem shown where it was made."""
    return render(
        request, ctx, TEMPLATE, viewer=viewer, mode=mode, status=status, problem=problem,
        controller=notice_contact.controller(ctx.settings),
        authority=notice_contact.authority(ctx.settings),
        answer_days=notice_contact.complaints(ctx.settings)["answer_days"],
        **context,
    )  # fmt: skip
