"""The sign-in's second step as its own page (issue 12 item 17): after the password, the
authenticator code or a recovery code, without typing the password again.

The pending sign-in is a signed ticket (`accounts.two_step`) in an HttpOnly cookie scoped to
`/signin/two-step`; it expires in minutes and is dropped once the step passes.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hearthwatch.accounts import recovery_codes, signin, two_step
from hearthwatch.accounts.auth_api import set_session_cookies
from hearthwatch.accounts.models import User
from hearthwatch.api.deps import ContextDep, client_ip
from hearthwatch.context import AppContext
from hearthwatch.errors import ValidationFailed
from hearthwatch.web.deps import Again, CheckedForm, WebRoute, shown_again
from hearthwatch.web.forms import FormProblem, safe_next
from hearthwatch.web.rendering import redirect, render
from hearthwatch.web.viewer import ViewerDep, WebDb

router = APIRouter(route_class=WebRoute)

PATH = "/signin/two-step"
TICKET_COOKIE = "hw_two_step"
CODE_FIELDS = {
    "auth.totp_invalid": "code",
    "auth.totp_required": "code",
    "auth.recovery_code_invalid": "code",
    "request.invalid": "code",
}
WRONG_SHAPE = "Enter the 6-digit code from your app, or a recovery code like abcde-fghjk."


def ask_for_code(ctx: AppContext, request: Request, user: User, *, next: str) -> Response:
    """The password was right: hand the browser a ticket and go to the second step."""
    response = redirect(PATH, next=safe_next(next))
    response.set_cookie(
        TICKET_COOKIE,
        two_step.ticket_for(ctx, user),
        max_age=two_step.TICKET_MINUTES * 60,
        httponly=True,
        samesite="strict",
        secure=ctx.settings.secure_cookies,
        path=PATH,
    )
    return response


@router.get(PATH)
def two_step_page(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, next: str = ""
) -> Response:
    if viewer is not None:
        return redirect(safe_next(next))
    with shown_again(_start_again(request, ctx, next)):
        two_step.user_of_ticket(ctx, db, request.cookies.get(TICKET_COOKIE))
    return _page(request, ctx, next)


@router.post(PATH)
def finish_sign_in(request: Request, ctx: ContextDep, db: WebDb, form: CheckedForm) -> Response:
    next = safe_next(form.value("next"))
    with shown_again(_start_again(request, ctx, next)):
        ctx.login_throttle.hit(f"login:{client_ip(request)}", code="auth.rate_limited")
        user = two_step.user_of_ticket(ctx, db, request.cookies.get(TICKET_COOKIE))

    def again(problem: FormProblem, status: int) -> Response:
        return _page(request, ctx, next, problem=problem, status=status)

    with shown_again(again, CODE_FIELDS):
        totp_code, recovery_code = _which_code(form.value("code"))
        signin.check_second_step(
            ctx, db, user, totp_code=totp_code, recovery_code=recovery_code,
            ip_address=client_ip(request),
        )  # fmt: skip
        opened = signin.complete_sign_in(
            ctx, db, user, ip_address=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )  # fmt: skip
    response = redirect(next)
    set_session_cookies(ctx, request, response, opened.secret)
    response.delete_cookie(TICKET_COOKIE, path=PATH)
    return response


def _which_code(typed: str) -> tuple[str | None, str | None]:
    """(authenticator code, recovery code): which one the person typed."""
    text = typed.strip()
    if len(text) > 32:
        raise ValidationFailed(WRONG_SHAPE, code="request.invalid")
    if recovery_codes.looks_like_recovery_code(text):
        return None, text
    digits = text.replace(" ", "")
    if not (len(digits) == 6 and digits.isdigit()):
        raise ValidationFailed(WRONG_SHAPE, code="request.invalid")
    return digits, None


def _page(
    request: Request,
    ctx: AppContext,
    next: str,
    *,
    problem: FormProblem | None = None,
    status: int = 200,
) -> Response:
    values = {"next": safe_next(next)}
    return render(
        request, ctx, "signin_two_step.html", viewer=None, values=values, problem=problem,
        status=status,
    )  # fmt: skip


def _start_again(request: Request, ctx: AppContext, next: str) -> Again:
    """No valid ticket (expired, or the page opened directly): the sign-in page, saying why."""

    def again(problem: FormProblem, status: int) -> Response:
        values = {"next": safe_next(next)}
        response = render(
            request, ctx, "signin.html", viewer=None, status=status,
            problem=problem, values=values, show_totp=False,
        )  # fmt: skip
        response.delete_cookie(TICKET_COOKIE, path=PATH)
        return response

    return again
