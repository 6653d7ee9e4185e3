"""The security page: password, personal API tokens, two-step sign-in, and the P3 lock.

A new token's secret and a new two-step secret are shown in the answer to the POST that
made them and never again, so those two forms do not redirect: a redirect would have to
carry the secret in a URL or a cookie.
"""

from __future__ import annotations

from typing import Annotated, Any

import segno
from fastapi import APIRouter, Request, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from hearthwatch.accounts import credentials, recovery, recovery_codes, totp, two_step_settings
from hearthwatch.accounts.schemas import (
    PasswordChangeIn,
    RecoveryCodesIn,
    TokenCreate,
    TotpCodeIn,
    TotpDisableIn,
)
from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep
from hearthwatch.context import AppContext
from hearthwatch.security.passwords import PasswordStrength
from hearthwatch.web.deps import Again, CheckedForm, Viewer, WebRoute, shown_again, viewer_from
from hearthwatch.web.forms import FormProblem, PostedForm, parse
from hearthwatch.web.rendering import NOTICES, redirect, render
from hearthwatch.web.viewer import WebDb, forget_session

router = APIRouter(prefix="/security", route_class=WebRoute)
# A visitor posting one of the page's forms is brought back to the page after signing in.
SecurityViewer = Annotated[Caller, viewer_from("/security")]

PASSWORD_FIELDS = {
    "auth.invalid_credentials": "current_password",
    "auth.weak_password": "new_password",
}
TOTP_FIELDS = {"auth.totp_invalid": "code", "auth.invalid_credentials": "password"}
RECOVERY_FIELDS = {"auth.invalid_credentials": "password"}
TOKEN_LIFETIMES: tuple[tuple[str, str], ...] = (
    ("30", "30 days"),
    ("90", "90 days"),
    ("365", "1 year"),
    ("", "Never expires"),
)


def qr_code(uri: str) -> Markup:
    """The otpauth URI as an inline SVG QR code (no inline styles, so the CSP allows it)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5,
        dark="#111827",
        light="#ffffff",
        svgclass="qr",
        omitsize=True,
        title="QR code for your authenticator app",
    )
    # segno writes this SVG itself from the URI; no user-supplied HTML reaches it.
    return Markup(svg)  # noqa: S704


def _security_page(
    request: Request,
    ctx: AppContext,
    db: Session,
    viewer: Caller,
    status: int = 200,
    **extra: Any,
) -> Response:
    user = viewer.user
    page: dict[str, Any] = {
        "problems": {},
        "new_token": None,
        "totp_setup": None,
        "strength": None,
        "token_values": {},
        "new_recovery_codes": None,
    }
    return render(
        request,
        ctx,
        "security.html",
        viewer=viewer,
        section="security",
        status=status,
        tokens=credentials.active_tokens(ctx, db, user=user),
        token_lifetimes=TOKEN_LIFETIMES,
        totp_on=user.has_totp,
        totp_pending=user.totp_secret is not None and not user.has_totp,
        recovery_left=recovery_codes.remaining(db, user_id=user.id),
        recovery_total=recovery_codes.COUNT,
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
    """The security page again, with the problem at the form called `form_name`."""

    def again(problem: FormProblem, status: int) -> Response:
        problems = {form_name: problem}
        return _security_page(request, ctx, db, viewer, status, problems=problems, **extra)

    return again


@router.get("")
def security_page(request: Request, ctx: ContextDep, db: WebDb, viewer: Viewer) -> Response:
    return _security_page(request, ctx, db, viewer)


@router.post("/password")
def change_password(
    request: Request, ctx: ContextDep, db: WebDb, viewer: SecurityViewer, form: CheckedForm
) -> Response:
    """Every other session is signed out; this one stays."""

    def again(problem: FormProblem, status: int) -> Response:
        strength = _strength(ctx, viewer, form)
        return _again(request, ctx, db, viewer, "password", strength=strength)(problem, status)

    with shown_again(again, PASSWORD_FIELDS):
        body = parse(PasswordChangeIn, form.present("current_password", "new_password"))
        recovery.change_password(
            ctx,
            db,
            user=viewer.user,
            current_password=body.current_password,
            new_password=body.new_password,
            keep_session_id=viewer.session_id,
        )
    return redirect("/security", done="password_changed")


def _strength(ctx: AppContext, viewer: Caller, form: PostedForm) -> PasswordStrength | None:
    password = form.value("new_password")
    return (
        ctx.passwords.strength(password, recovery.password_hints(viewer.user)) if password else None
    )


@router.post("/tokens")
def create_token(
    request: Request, ctx: ContextDep, db: WebDb, viewer: SecurityViewer, form: CheckedForm
) -> Response:
    """Shows the secret once, in this answer."""
    values = form.keep("name", "expires_in_days")
    with shown_again(_again(request, ctx, db, viewer, "token", token_values=values)):
        body = parse(TokenCreate, form.present("name", "expires_in_days"))
        created = credentials.create_token(
            ctx, db, user=viewer.user, name=body.name, expires_in_days=body.expires_in_days
        )
    return _security_page(request, ctx, db, viewer, new_token=created)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(
    token_id: str,
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: SecurityViewer,
    form: CheckedForm,
) -> Response:
    with shown_again(_again(request, ctx, db, viewer, "token")):
        credentials.revoke_token(ctx, db, user=viewer.user, token_id=token_id)
    return redirect("/security", done="token_revoked")


@router.post("/two-factor/setup")
def begin_two_factor(
    request: Request, ctx: ContextDep, db: WebDb, viewer: SecurityViewer, form: CheckedForm
) -> Response:
    """Shows the new secret and its QR code once; starting again replaces the secret."""
    with shown_again(_again(request, ctx, db, viewer, "totp")):
        setup = totp.begin_setup(ctx, viewer.user)
    return _security_page(request, ctx, db, viewer, totp_setup=setup, qr=qr_code(setup.uri))


@router.post("/two-factor/enable")
def enable_two_factor(
    request: Request, ctx: ContextDep, db: WebDb, viewer: SecurityViewer, form: CheckedForm
) -> Response:
    with shown_again(_again(request, ctx, db, viewer, "totp"), TOTP_FIELDS):
        body = parse(TotpCodeIn, form.present("code"))
        codes = two_step_settings.turn_on(ctx, db, user=viewer.user, code=body.code)
    # The recovery codes are in this answer only (like a new token's secret): no redirect.
    notice = NOTICES["totp_enabled"]
    return _security_page(request, ctx, db, viewer, new_recovery_codes=codes, notice=notice)


@router.post("/two-factor/recovery-codes")
def make_recovery_codes(
    request: Request, ctx: ContextDep, db: WebDb, viewer: SecurityViewer, form: CheckedForm
) -> Response:
    """New codes replace the old ones; shown once, in this answer."""
    with shown_again(_again(request, ctx, db, viewer, "recovery"), RECOVERY_FIELDS):
        body = parse(RecoveryCodesIn, form.present("password"))
        codes = two_step_settings.new_codes(ctx, db, user=viewer.user, password=body.password)
    return _security_page(request, ctx, db, viewer, new_recovery_codes=codes)


@router.post("/two-factor/disable")
def disable_two_factor(
    request: Request, ctx: ContextDep, db: WebDb, viewer: SecurityViewer, form: CheckedForm
) -> Response:
    """Needs both the password and a current code."""
    with shown_again(_again(request, ctx, db, viewer, "totp"), TOTP_FIELDS):
        body = parse(TotpDisableIn, form.present("password", "code"))
        two_step_settings.turn_off(
            ctx, db, user=viewer.user, password=body.password, code=body.code
        )
    return redirect("/security", done="totp_disabled")


@router.get("/compromised")
def compromised_page(request: Request, ctx: ContextDep, viewer: Viewer) -> Response:
    """P3: the confirmation step before the account is locked."""
    return render(request, ctx, "compromised.html", viewer=viewer, section="security")


@router.post("/compromised")
def report_compromised(ctx: ContextDep, db: WebDb, viewer: Viewer, form: CheckedForm) -> Response:
    """P3: lock the account at once; every session and token ends, the owner is mailed."""
    recovery.report_compromised(ctx, db, user=viewer.user)
    return forget_session(redirect("/signin", done="account_locked"))
