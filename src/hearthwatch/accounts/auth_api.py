"""`/api/v1/auth/*`: sign-up, confirmation, sign-in and out, password reset."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, BackgroundTasks, Request, Response, status
from sqlalchemy.orm import Session

from hearthwatch.accounts import email_change, recovery, registration, signin, signin_code
from hearthwatch.accounts.models import User
from hearthwatch.accounts.schemas import (
    Accepted,
    ConfirmIn,
    EmailIn,
    EmailUndoIn,
    LoginIn,
    LoginOut,
    PasswordResetConfirmIn,
    PasswordStrengthIn,
    PasswordStrengthOut,
    RegisterIn,
    SignInCodeIn,
    UserPublic,
)
from hearthwatch.api.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    CallerDep,
    ContextDep,
    DbDep,
    client_ip,
)
from hearthwatch.context import AppContext
from hearthwatch.mail import deferred

router = APIRouter(prefix="/auth", tags=["auth"])

CHECK_MAIL = "If the address can be used, a code is on its way. Check your mailbox."
ADDRESS_RESTORED = (
    "Your address is back and the account is locked. Reset your password to unlock it."
)
ADDRESS_NOT_RESTORED = (
    "The account is locked, but your address is now used by another account: "
    "write to the service's operator."
)
GUARDIAN_ASKED = (
    "You are under 16, so your parent or guardian must agree first: we mailed them a link. "
    "Confirm your own address with the code we mailed you; you can sign in once they agree."
)


@router.post("/register", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
def register(
    body: RegisterIn, request: Request, ctx: ContextDep, db: DbDep, tasks: BackgroundTasks
) -> Accepted:
    """Create an account; a 6-digit confirmation code is mailed to the address.

    Under 16 (from `birth_month`), `guardian_email` is required: the account can sign in
    only after that parent or guardian consents through the link mailed to them (P4).
    The answer, and the time it takes, are the same whether or not the address is taken.
    """
    ctx.code_throttle.hit(f"register:{client_ip(request)}", code="auth.rate_limited")
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
        return Accepted(status="guardian_consent_requested", message=GUARDIAN_ASKED)
    return Accepted(status="confirmation_sent", message=CHECK_MAIL)


@router.post("/confirm", response_model=UserPublic)
def confirm(body: ConfirmIn, request: Request, ctx: ContextDep, db: DbDep) -> UserPublic:
    """Confirm the e-mail address with the mailed code."""
    ctx.code_throttle.hit(f"confirm:{client_ip(request)}", code="auth.rate_limited")
    user = registration.confirm_email(ctx, db, email=body.email, code=body.code)
    return UserPublic.of(user)


@router.post("/confirm/resend", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
def resend(
    body: EmailIn, request: Request, ctx: ContextDep, db: DbDep, tasks: BackgroundTasks
) -> Accepted:
    ctx.code_throttle.hit(f"resend:{client_ip(request)}", code="auth.rate_limited")
    mails = registration.resend_confirmation(ctx, db, email=body.email)
    db.commit()  # the code exists before its mail goes out, after the answer
    tasks.add_task(deferred.send_all, ctx.mailer, mails)
    return Accepted(status="confirmation_sent", message=CHECK_MAIL)


@router.post("/login", response_model=LoginOut)
def login(
    body: LoginIn, request: Request, response: Response, ctx: ContextDep, db: DbDep
) -> LoginOut:
    """Sign in; sets the session cookie and returns the CSRF token for later writes."""
    ctx.login_throttle.hit(f"login:{client_ip(request)}", code="auth.rate_limited")
    opened = signin.login(
        ctx,
        db,
        email=body.email,
        password=body.password,
        totp_code=body.totp_code,
        ip_address=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        recovery_code=body.recovery_code,
    )
    return session_opened(ctx, db, request, response, opened)


def session_opened(
    ctx: AppContext, db: Session, request: Request, response: Response, opened: signin.NewSession
) -> LoginOut:
    user = db.get(User, opened.session.user_id)
    assert user is not None
    csrf = set_session_cookies(ctx, request, response, opened.secret)
    return LoginOut(
        user=UserPublic.of(user),
        session_id=opened.session.id,
        csrf_token=csrf,
        expires_at=opened.session.expires_at,
    )


@router.post("/sign-in-code", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
def send_sign_in_code(
    body: EmailIn, request: Request, ctx: ContextDep, db: DbDep, tasks: BackgroundTasks
) -> Accepted:
    """Mail a one-time sign-in code (10 minutes) to the account, if it exists. It works
    even while wrong passwords for the account are being slowed down."""
    ctx.code_throttle.hit(f"sign-in-code:{client_ip(request)}", code="auth.rate_limited")
    ctx.code_throttle.hit(f"sign-in-code:{body.email.lower()}", code="auth.rate_limited")
    mail = signin_code.request_code(ctx, db, email=body.email)
    db.commit()  # the code exists before its mail goes out, after the answer
    tasks.add_task(deferred.send_all, ctx.mailer, [mail] if mail else [])
    return Accepted(status="code_sent", message=CHECK_MAIL)


@router.post("/sign-in-code/confirm", response_model=LoginOut)
def sign_in_with_code(
    body: SignInCodeIn, request: Request, response: Response, ctx: ContextDep, db: DbDep
) -> LoginOut:
    """Sign in with the mailed code (`totp_code` too if two-step sign-in is on)."""
    ctx.code_throttle.hit(f"sign-in-code-confirm:{client_ip(request)}", code="auth.rate_limited")
    opened = signin_code.sign_in_with_code(
        ctx,
        db,
        email=body.email,
        code=body.code,
        totp_code=body.totp_code,
        ip_address=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    return session_opened(ctx, db, request, response, opened)


def set_session_cookies(ctx: AppContext, request: Request, response: Response, secret: str) -> str:
    """Set the HttpOnly session cookie, and a CSRF cookie if the browser has none yet."""
    secure = ctx.settings.secure_cookies
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=ctx.settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    return ensure_csrf_cookie(ctx, request, response)


def ensure_csrf_cookie(ctx: AppContext, request: Request, response: Response) -> str:
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        httponly=True,
        samesite="strict",
        secure=ctx.settings.secure_cookies,
        path="/",
    )
    return csrf


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(caller: CallerDep, ctx: ContextDep, db: DbDep, response: Response) -> Response:
    """End this session (a bearer token is not revoked by this; use `DELETE me/tokens/{id}`)."""
    if caller.session_id is not None:
        signin.logout(ctx, db, session_id=caller.session_id)
    response.status_code = status.HTTP_204_NO_CONTENT
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/password-reset", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
def password_reset(
    body: EmailIn, request: Request, ctx: ContextDep, db: DbDep, tasks: BackgroundTasks
) -> Accepted:
    """Mail a 6-digit reset code (valid 10 minutes) to the account, if it exists."""
    ctx.code_throttle.hit(f"reset:{client_ip(request)}", code="auth.rate_limited")
    ctx.code_throttle.hit(f"reset:{body.email.lower()}", code="auth.rate_limited")
    mails = recovery.request_password_reset(ctx, db, email=body.email)
    db.commit()
    tasks.add_task(deferred.send_all, ctx.mailer, mails)
    return Accepted(status="code_sent", message=CHECK_MAIL)


@router.post("/password-reset/confirm", response_model=Accepted)
def password_reset_confirm(
    body: PasswordResetConfirmIn, request: Request, ctx: ContextDep, db: DbDep
) -> Accepted:
    """Set a new password with the mailed code; all sessions and tokens end."""
    ctx.code_throttle.hit(f"reset-confirm:{client_ip(request)}", code="auth.rate_limited")
    recovery.reset_password(
        ctx, db, email=body.email, code=body.code, new_password=body.new_password
    )
    return Accepted(status="password_changed", message="Your password was changed. Sign in.")


@router.post("/email-change/undo", response_model=Accepted)
def undo_email_change(body: EmailUndoIn, request: Request, ctx: ContextDep, db: DbDep) -> Accepted:
    """Undo a change of sign-in address with the code mailed to the previous address (7 days).

    The previous address comes back, the account is locked and every session and token
    ends; the owner then unlocks it with a password reset mailed to that address."""
    ctx.code_throttle.hit(f"email-undo:{client_ip(request)}", code="auth.rate_limited")
    ctx.code_throttle.hit(f"email-undo:{body.email.lower()}", code="auth.rate_limited")
    restored = email_change.undo_change(ctx, db, old_email=body.email, code=body.code)
    if restored:
        return Accepted(status="address_restored", message=ADDRESS_RESTORED)
    return Accepted(status="locked", message=ADDRESS_NOT_RESTORED)


@router.post("/password-strength", response_model=PasswordStrengthOut)
def password_strength(body: PasswordStrengthIn, ctx: ContextDep) -> PasswordStrengthOut:
    """Judge a candidate password and say how to make it stronger."""
    verdict = ctx.passwords.strength(body.password)
    return PasswordStrengthOut(
        score=verdict.score,
        acceptable=verdict.acceptable,
        warning=verdict.warning,
        suggestions=list(verdict.suggestions),
    )
