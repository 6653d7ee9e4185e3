"""Pages for visitors: sign up (P1), confirm the address, sign in and out, reset (P2).

Each form posts back to its own address. Success redirects (POST-redirect-GET); a failure
shows the same form again with the problem next to it and the status of the error.
Throttle keys are shared with the JSON API, so both doors draw on one budget.
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request, Response

from hearthwatch.accounts import recovery, registration, signin, signin_code
from hearthwatch.accounts.auth_api import set_session_cookies
from hearthwatch.accounts.schemas import (
    ConfirmIn,
    EmailIn,
    LoginIn,
    PasswordResetConfirmIn,
    RegisterIn,
    SignInCodeIn,
)
from hearthwatch.api.deps import ContextDep, client_ip
from hearthwatch.context import AppContext
from hearthwatch.mail import deferred
from hearthwatch.security.passwords import PasswordStrength
from hearthwatch.web import two_step_pages
from hearthwatch.web.deps import Again, CheckedForm, WebRoute, shown_again
from hearthwatch.web.forms import FormProblem, PostedForm, parse, safe_next
from hearthwatch.web.rendering import redirect, render
from hearthwatch.web.viewer import ViewerDep, WebDb, forget_session

router = APIRouter(route_class=WebRoute)

TOTP_CODES = frozenset({"auth.totp_required", "auth.totp_invalid"})
SIGNUP_FIELDS = ("email", "password", "birth_month", "guardian_email", "nickname", "real_name")
SIGNUP_MESSAGES = {
    "birth_month": "Enter the month and year you were born.",
    "guardian_email": "Enter your parent's or guardian's e-mail address, like name@example.org.",
}
SIGNUP_ERROR_FIELDS = {
    "auth.birth_month_invalid": "birth_month",
    "auth.guardian_email_required": "guardian_email",
    "auth.guardian_email_same": "guardian_email",
}
NEW_PASSWORD_FIELDS = {"auth.weak_password": "new_password"}


def strength_of(ctx: AppContext, form: PostedForm, name: str) -> PasswordStrength | None:
    """Feedback on a rejected password, judged against the user's own details."""
    password = form.value(name)
    hints = (form.value("email").split("@")[0], form.value("nickname"), form.value("real_name"))
    return ctx.passwords.strength(password, hints) if password else None


@router.get("/signup")
def signup_page(request: Request, ctx: ContextDep, viewer: ViewerDep) -> Response:
    if viewer is not None:
        return redirect("/")
    return render(request, ctx, "signup.html", viewer=None, strength=None)


@router.post("/signup")
def signup(
    request: Request, ctx: ContextDep, db: WebDb, form: CheckedForm, tasks: BackgroundTasks
) -> Response:
    """P1: an e-mail address and a password; P4: the month of birth decides if a guardian
    must consent first (under 16), and then their address is needed too."""

    def again(problem: FormProblem, status: int) -> Response:
        return render(
            request,
            ctx,
            "signup.html",
            viewer=None,
            status=status,
            problem=problem,
            values=form.keep(*SIGNUP_FIELDS[2:], "email"),
            strength=strength_of(ctx, form, "password"),
        )

    with shown_again(again, SIGNUP_ERROR_FIELDS):
        ctx.code_throttle.hit(f"register:{client_ip(request)}", code="auth.rate_limited")
        body = parse(RegisterIn, form.present(*SIGNUP_FIELDS), SIGNUP_MESSAGES)
        signed_up = registration.register(
            ctx,
            db,
            email=body.email,
            password=body.password,
            birth_month=body.birth_month,
            guardian_email=body.guardian_email,
            nickname=body.nickname,
            real_name=body.real_name,
        )
    db.commit()  # the codes exist before their mails go out, after the answer
    tasks.add_task(deferred.send_all, ctx.mailer, signed_up.mails)
    if signed_up.guardian_asked:
        return redirect("/guardian/asked", email=body.email)
    return redirect("/confirm", email=body.email)


@router.get("/confirm")
def confirm_page(request: Request, ctx: ContextDep, email: str = "") -> Response:
    return render(request, ctx, "confirm.html", viewer=None, values={"email": email})


@router.post("/confirm")
def confirm(request: Request, ctx: ContextDep, db: WebDb, form: CheckedForm) -> Response:
    with shown_again(_confirm_again(request, ctx, form)):
        ctx.code_throttle.hit(f"confirm:{client_ip(request)}", code="auth.rate_limited")
        body = parse(ConfirmIn, form.present("email", "code"))
        registration.confirm_email(ctx, db, email=body.email, code=body.code)
    return redirect("/signin", email=body.email, done="email_confirmed")


@router.post("/confirm/resend")
def resend_code(
    request: Request, ctx: ContextDep, db: WebDb, form: CheckedForm, tasks: BackgroundTasks
) -> Response:
    with shown_again(_confirm_again(request, ctx, form)):
        ctx.code_throttle.hit(f"resend:{client_ip(request)}", code="auth.rate_limited")
        body = parse(EmailIn, form.present("email"))
        mails = registration.resend_confirmation(ctx, db, email=body.email)
    db.commit()  # the code exists before its mail goes out, after the answer
    tasks.add_task(deferred.send_all, ctx.mailer, mails)
    return redirect("/confirm", email=body.email, done="code_sent")


def _confirm_again(request: Request, ctx: AppContext, form: PostedForm) -> Again:
    def again(problem: FormProblem, status: int) -> Response:
        return render(
            request,
            ctx,
            "confirm.html",
            viewer=None,
            status=status,
            problem=problem,
            values=form.keep("email"),
        )

    return again


@router.get("/signin")
def signin_page(
    request: Request, ctx: ContextDep, viewer: ViewerDep, email: str = "", next: str = ""
) -> Response:
    if viewer is not None:
        return redirect(safe_next(next))
    values = {"email": email, "next": safe_next(next)}
    return render(request, ctx, "signin.html", viewer=None, values=values, show_totp=False)


@router.post("/signin")
def sign_in(request: Request, ctx: ContextDep, db: WebDb, form: CheckedForm) -> Response:
    """Check the password; with two-step sign-in on, ask for the code on the next page
    (issue 12 item 17), else open a session and go where the visitor was heading."""
    with shown_again(_signin_again(request, ctx, form)):
        ctx.login_throttle.hit(f"login:{client_ip(request)}", code="auth.rate_limited")
        body = parse(LoginIn, form.present("email", "password"))
        user = signin.check_password(
            ctx, db, email=body.email, password=body.password, ip_address=client_ip(request)
        )
        if user.has_totp:
            return two_step_pages.ask_for_code(ctx, request, user, next=form.value("next"))
        opened = signin.complete_sign_in(
            ctx, db, user, ip_address=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )  # fmt: skip
    response = redirect(safe_next(form.value("next")))
    set_session_cookies(ctx, request, response, opened.secret)
    return response


def _signin_again(request: Request, ctx: AppContext, form: PostedForm) -> Again:
    def again(problem: FormProblem, status: int) -> Response:
        values = form.keep("email") | {"next": safe_next(form.value("next"))}
        show_totp = problem.code in TOTP_CODES or bool(form.value("totp_code"))
        return render(
            request,
            ctx,
            "signin.html",
            viewer=None,
            status=status,
            problem=problem,
            values=values,
            show_totp=show_totp,
        )

    return again


@router.post("/signin/code")
def send_sign_in_code(
    request: Request, ctx: ContextDep, db: WebDb, form: CheckedForm, tasks: BackgroundTasks
) -> Response:
    """Mail a one-time sign-in code: a way in that wrong passwords typed elsewhere cannot
    block. The answer is the same whether or not the account exists."""
    with shown_again(_code_again(request, ctx, form)):
        ctx.code_throttle.hit(f"sign-in-code:{client_ip(request)}", code="auth.rate_limited")
        body = parse(EmailIn, form.present("email"))
        ctx.code_throttle.hit(f"sign-in-code:{body.email.lower()}", code="auth.rate_limited")
        mail = signin_code.request_code(ctx, db, email=body.email)
    db.commit()  # the code exists before its mail goes out, after the answer
    tasks.add_task(deferred.send_all, ctx.mailer, [mail] if mail else [])
    next_page = safe_next(form.value("next"))
    return redirect("/signin/code", email=body.email, next=next_page, done="code_sent")


@router.get("/signin/code")
def sign_in_code_page(
    request: Request, ctx: ContextDep, viewer: ViewerDep, email: str = "", next: str = ""
) -> Response:
    if viewer is not None:
        return redirect(safe_next(next))
    values = {"email": email, "next": safe_next(next)}
    return render(request, ctx, "signin_code.html", viewer=None, values=values, show_totp=False)


@router.post("/signin/code/confirm")
def sign_in_with_code(request: Request, ctx: ContextDep, db: WebDb, form: CheckedForm) -> Response:
    """The mailed code opens a session; under two-step sign-in, the authenticator's code (or
    a recovery code) is asked on the next page (issue 12 item 17)."""
    with shown_again(_code_again(request, ctx, form)):
        ctx.code_throttle.hit(
            f"sign-in-code-confirm:{client_ip(request)}", code="auth.rate_limited"
        )
        body = parse(SignInCodeIn, form.present("email", "code"))
        user = signin_code.check_code(ctx, db, email=body.email, code=body.code)
        if user.has_totp:
            return two_step_pages.ask_for_code(ctx, request, user, next=form.value("next"))
        opened = signin.complete_sign_in(
            ctx, db, user, ip_address=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )  # fmt: skip
    response = redirect(safe_next(form.value("next")))
    set_session_cookies(ctx, request, response, opened.secret)
    return response


def _code_again(request: Request, ctx: AppContext, form: PostedForm) -> Again:
    def again(problem: FormProblem, status: int) -> Response:
        values = form.keep("email", "code") | {"next": safe_next(form.value("next"))}
        return render(
            request,
            ctx,
            "signin_code.html",
            viewer=None,
            status=status,
            problem=problem,
            values=values,
            show_totp=problem.code in TOTP_CODES or bool(form.value("totp_code")),
        )

    return again


@router.post("/signout")
def sign_out(ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: CheckedForm) -> Response:
    """End this browser's session only; other devices stay signed in. A forged sign-out is
    refused on a page that offers the real button (web/deps.py)."""
    if viewer is not None and viewer.session_id is not None:
        signin.logout(ctx, db, session_id=viewer.session_id)
    return forget_session(redirect("/signin", done="signed_out"))


@router.get("/reset")
def reset_page(request: Request, ctx: ContextDep, email: str = "") -> Response:
    return render(request, ctx, "reset.html", viewer=None, values={"email": email})


@router.post("/reset")
def request_reset(
    request: Request, ctx: ContextDep, db: WebDb, form: CheckedForm, tasks: BackgroundTasks
) -> Response:
    """P2: mail a reset code; the answer is the same whether or not the account exists."""

    def again(problem: FormProblem, status: int) -> Response:
        return render(
            request,
            ctx,
            "reset.html",
            viewer=None,
            status=status,
            problem=problem,
            values=form.keep("email"),
        )

    with shown_again(again):
        ctx.code_throttle.hit(f"reset:{client_ip(request)}", code="auth.rate_limited")
        body = parse(EmailIn, form.present("email"))
        ctx.code_throttle.hit(f"reset:{body.email.lower()}", code="auth.rate_limited")
        mails = recovery.request_password_reset(ctx, db, email=body.email)
    db.commit()  # the code exists before its mail goes out, after the answer
    tasks.add_task(deferred.send_all, ctx.mailer, mails)
    return redirect("/reset/confirm", email=body.email, done="reset_code_sent")


@router.get("/reset/confirm")
def reset_confirm_page(request: Request, ctx: ContextDep, email: str = "") -> Response:
    return render(
        request, ctx, "reset_confirm.html", viewer=None, values={"email": email}, strength=None
    )


@router.post("/reset/confirm")
def reset_password(request: Request, ctx: ContextDep, db: WebDb, form: CheckedForm) -> Response:
    """P2: the mailed code sets a new password, unlocks the account and ends every session."""

    def again(problem: FormProblem, status: int) -> Response:
        return render(
            request,
            ctx,
            "reset_confirm.html",
            viewer=None,
            status=status,
            problem=problem,
            values=form.keep("email"),
            strength=strength_of(ctx, form, "new_password"),
        )

    with shown_again(again, NEW_PASSWORD_FIELDS):
        ctx.code_throttle.hit(f"reset-confirm:{client_ip(request)}", code="auth.rate_limited")
        body = parse(PasswordResetConfirmIn, form.present("email", "code", "new_password"))
        recovery.reset_password(
            ctx, db, email=body.email, code=body.code, new_password=body.new_password
        )
    return forget_session(redirect("/signin", email=body.email, done="password_reset"))
