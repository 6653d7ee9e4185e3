"""The security page: password, personal API tokens, two-step sign-in, and the P3 lock.

A new token's secret and a new two-step secret are shown in the answer to the POST that
made them and never again, so those two forms do not redirect: a redirect would have to
carry the secret in a URL or a cookie.
"""

from __future__ import annotations

from typing import Any

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
from hearthwatch.api.deps import ContextDep, check_csrf
from hearthwatch.context import AppContext
from hearthwatch.errors import HearthwatchError
from hearthwatch.security.passwords import PasswordStrength
from hearthwatch.web.forms import FormDep, FormProblem, PostedForm, parse
from hearthwatch.web.rendering import NOTICES, redirect, render
from hearthwatch.web.viewer import ViewerDep, WebDb, forget_session, to_signin

router = APIRouter(prefix="/security")

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


def _failed(
    request: Request,
    ctx: AppContext,
    db: Session,
    viewer: Caller,
    form_name: str,
    err: HearthwatchError,
    fields_by_code: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    problems = {form_name: FormProblem.of(err, fields_by_code)}
    return _security_page(request, ctx, db, viewer, err.status, problems=problems, **extra)


@router.get("")
def security_page(request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep) -> Response:
    if viewer is None:
        return to_signin("/security")
    return _security_page(request, ctx, db, viewer)


@router.post("/password")
def change_password(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
) -> Response:
    """Every other session is signed out; this one stays."""
    if viewer is None:
        return to_signin("/security")
    try:
        check_csrf(request, submitted=form.csrf_token)
        body = parse(PasswordChangeIn, form.present("current_password", "new_password"))
        recovery.change_password(
            ctx,
            db,
            user=viewer.user,
            current_password=body.current_password,
            new_password=body.new_password,
            keep_session_id=viewer.session_id,
        )
    except HearthwatchError as err:
        strength = _strength(ctx, viewer, form)
        return _failed(
            request, ctx, db, viewer, "password", err, PASSWORD_FIELDS, strength=strength
        )
    return redirect("/security", done="password_changed")


def _strength(ctx: AppContext, viewer: Caller, form: PostedForm) -> PasswordStrength | None:
    password = form.value("new_password")
    return (
        ctx.passwords.strength(password, recovery.password_hints(viewer.user)) if password else None
    )


@router.post("/tokens")
def create_token(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
) -> Response:
    """Shows the secret once, in this answer."""
    if viewer is None:
        return to_signin("/security")
    try:
        check_csrf(request, submitted=form.csrf_token)
        body = parse(TokenCreate, form.present("name", "expires_in_days"))
        created = credentials.create_token(
            ctx, db, user=viewer.user, name=body.name, expires_in_days=body.expires_in_days
        )
    except HearthwatchError as err:
        values = form.keep("name", "expires_in_days")
        return _failed(request, ctx, db, viewer, "token", err, token_values=values)
    return _security_page(request, ctx, db, viewer, new_token=created)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(
    token_id: str,
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: ViewerDep,
    form: FormDep,
) -> Response:
    if viewer is None:
        return to_signin("/security")
    try:
        check_csrf(request, submitted=form.csrf_token)
        credentials.revoke_token(ctx, db, user=viewer.user, token_id=token_id)
    except HearthwatchError as err:
        return _failed(request, ctx, db, viewer, "token", err)
    return redirect("/security", done="token_revoked")


@router.post("/two-factor/setup")
def begin_two_factor(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
) -> Response:
    """Shows the new secret and its QR code once; starting again replaces the secret."""
    if viewer is None:
        return to_signin("/security")
    try:
        check_csrf(request, submitted=form.csrf_token)
        setup = totp.begin_setup(ctx, viewer.user)
    except HearthwatchError as err:
        return _failed(request, ctx, db, viewer, "totp", err)
    return _security_page(request, ctx, db, viewer, totp_setup=setup, qr=qr_code(setup.uri))


@router.post("/two-factor/enable")
def enable_two_factor(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
) -> Response:
    if viewer is None:
        return to_signin("/security")
    try:
        check_csrf(request, submitted=form.csrf_token)
        body = parse(TotpCodeIn, form.present("code"))
        codes = two_step_settings.turn_on(ctx, db, user=viewer.user, code=body.code)
    except HearthwatchError as err:
        return _failed(request, ctx, db, viewer, "totp", err, TOTP_FIELDS)
    # The recovery codes are in this answer only (like a new token's secret): no redirect.
    notice = NOTICES["totp_enabled"]
    return _security_page(request, ctx, db, viewer, new_recovery_codes=codes, notice=notice)


@router.post("/two-factor/recovery-codes")
def make_recovery_codes(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
) -> Response:
    """New codes replace the old ones; shown once, in this answer."""
    if viewer is None:
        return to_signin("/security")
    try:
        check_csrf(request, submitted=form.csrf_token)
        body = parse(RecoveryCodesIn, form.present("password"))
        codes = two_step_settings.new_codes(ctx, db, user=viewer.user, password=body.password)
    except HearthwatchError as err:
        return _failed(request, ctx, db, viewer, "recovery", err, RECOVERY_FIELDS)
    return _security_page(request, ctx, db, viewer, new_recovery_codes=codes)


@router.post("/two-factor/disable")
def disable_two_factor(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
) -> Response:
    """Needs both the password and a current code."""
    if viewer is None:
        return to_signin("/security")
    try:
        check_csrf(request, submitted=form.csrf_token)
        body = parse(TotpDisableIn, form.present("password", "code"))
        two_step_settings.turn_off(
            ctx, db, user=viewer.user, password=body.password, code=body.code
        )
    except HearthwatchError as err:
        return _failed(request, ctx, db, viewer, "totp", err, TOTP_FIELDS)
    return redirect("/security", done="totp_disabled")


@router.get("/compromised")
def compromised_page(request: Request, ctx: ContextDep, viewer: ViewerDep) -> Response:
    """P3: the confirmation step before the account is locked."""
    if viewer is None:
        return to_signin("/security/compromised")
    return render(request, ctx, "compromised.html", viewer=viewer, section="security")


@router.post("/compromised")
def report_compromised(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
) -> Response:
    """P3: lock the account at once; every session and token ends, the owner is mailed."""
    if viewer is None:
        return to_signin("/security/compromised")
    try:
        check_csrf(request, submitted=form.csrf_token)
    except HearthwatchError as err:
        return render(
            request,
            ctx,
            "compromised.html",
            viewer=viewer,
            section="security",
            status=err.status,
            problem=FormProblem.of(err),
        )
    recovery.report_compromised(ctx, db, user=viewer.user)
    return forget_session(redirect("/signin", done="account_locked"))
