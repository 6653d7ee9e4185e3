"""Changing the sign-in address in the web app (P18), and undoing a change from the old one.

    /profile/email           the new address and the current password; then the mailed code
    /profile/email/confirm   the code from the mail to the new address
    /email/undo              for anyone: the previous address and the code from the notice

The rules (codes, what the person asking is told, sessions, the undo) live in
accounts/email_change.py; the throttle keys are shared with the JSON API.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from hearthwatch.accounts import email_change
from hearthwatch.accounts.schemas import EmailChangeConfirmIn, EmailChangeIn, EmailUndoIn
from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep, client_ip
from hearthwatch.context import AppContext
from hearthwatch.web.deps import Again, CheckedForm, Viewer, WebRoute, shown_again, viewer_from
from hearthwatch.web.forms import FormProblem, PostedForm, parse
from hearthwatch.web.rendering import redirect, render
from hearthwatch.web.viewer import ViewerDep, WebDb

router = APIRouter(route_class=WebRoute)

PAGE = "/profile/email"
MESSAGES = {
    "new_email": "Enter a valid e-mail address, like name@example.org.",
    "password": "Enter your current password.",
}
# Which input a refusal belongs to, so it is shown next to it.
ERROR_FIELDS = {
    "privacy.reauth_failed": "password",
    "account.email_unchanged": "new_email",
    "account.email_recently_changed": "new_email",
}
# The code form sits on the profile page's way; a visitor comes back to the profile.
ConfirmViewer = Annotated[Caller, viewer_from("/profile")]


def _email_page(
    request: Request, ctx: AppContext, db: Session, viewer: Caller,
    problem: FormProblem | None = None, status: int = 200, values: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    return render(
        request, ctx, "email_change.html", viewer=viewer, section="profile", status=status,
        problem=problem, values=values or {}, code_minutes=email_change.CODE_MINUTES,
        pending=email_change.pending_address(ctx, db, user=viewer.user),
    )  # fmt: skip


@router.get(PAGE)
def email_page(request: Request, ctx: ContextDep, db: WebDb, viewer: Viewer) -> Response:
    return _email_page(request, ctx, db, viewer)


@router.post(PAGE)
def ask_for_code(
    request: Request, ctx: ContextDep, db: WebDb, viewer: Viewer, form: CheckedForm
) -> Response:
    """The same answer whether or not another account uses the address (see the service)."""
    with shown_again(_again(request, ctx, db, viewer, form), ERROR_FIELDS):
        body = parse(EmailChangeIn, form.present("new_email", "password"), MESSAGES)
        email_change.request_change(
            ctx, db, user=viewer.user, new_email=body.new_email, password=body.password
        )
    return redirect(PAGE, done="email_code_sent")


@router.post(f"{PAGE}/confirm")
def confirm_code(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ConfirmViewer, form: CheckedForm
) -> Response:
    """Every other session ends; this one stays (as when the password changes)."""
    with shown_again(_again(request, ctx, db, viewer, form)):
        body = parse(EmailChangeConfirmIn, form.present("code"))
        email_change.confirm_change(
            ctx, db, user=viewer.user, code=body.code, keep_session_id=viewer.session_id
        )
    return redirect("/profile", done="email_changed")


def _again(
    request: Request, ctx: AppContext, db: Session, viewer: Caller, form: PostedForm
) -> Again:
    def again(problem: FormProblem, status: int) -> Response:
        return _email_page(request, ctx, db, viewer, problem, status, form.keep("new_email"))

    return again


@router.get(email_change.UNDO_PATH)
def undo_page(request: Request, ctx: ContextDep, viewer: ViewerDep, email: str = "") -> Response:
    return _undo_page(request, ctx, viewer, {"email": email})


@router.post(email_change.UNDO_PATH)
def undo(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: CheckedForm
) -> Response:
    """The previous address comes back and the account is locked, until a password reset."""

    def again(problem: FormProblem, status: int) -> Response:
        return _undo_page(request, ctx, viewer, form.keep("email"), problem, status)

    with shown_again(again):
        ctx.code_throttle.hit(f"email-undo:{client_ip(request)}", code="auth.rate_limited")
        body = parse(EmailUndoIn, form.present("email", "code"))
        ctx.code_throttle.hit(f"email-undo:{body.email.lower()}", code="auth.rate_limited")
        restored = email_change.undo_change(ctx, db, old_email=body.email, code=body.code)
    if restored:
        return redirect("/reset", email=body.email, done="email_restored")
    return redirect("/signin", done="email_not_restored")


def _undo_page(
    request: Request, ctx: AppContext, viewer: Caller | None, values: dict[str, str],
    problem: FormProblem | None = None, status: int = 200,
) -> Response:  # fmt: skip
    return render(
        request, ctx, "email_undo.html", viewer=viewer, status=status, problem=problem,
        values=values, undo_days=email_change.UNDO_DAYS,
    )  # fmt: skip
