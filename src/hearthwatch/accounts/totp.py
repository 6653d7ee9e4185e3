"""Optional two-step sign-in with a time-based one-time password (RFC 6238, authenticator apps)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pyotp

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.errors import Conflict, NotAuthenticated, ValidationFailed

PURPOSE = "totp-secret"
ISSUER = "Hearthwatch"


@dataclass(frozen=True)
class TotpSetup:
    secret: str
    uri: str


def begin_setup(ctx: AppContext, user: User) -> TotpSetup:
    """Store a new (not yet active) secret, sealed at rest, and return it for the app."""
    if user.has_totp:
        raise Conflict("Two-step sign-in is already on.", code="auth.totp_already_enabled")
    secret = pyotp.random_base32()
    user.totp_secret = ctx.keyring.seal(secret.encode(), purpose=PURPOSE, context=user.id)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return TotpSetup(secret=secret, uri=uri)


def enable(ctx: AppContext, user: User, code: str) -> None:
    if user.has_totp:
        raise Conflict("Two-step sign-in is already on.", code="auth.totp_already_enabled")
    if user.totp_secret is None:
        raise Conflict("Start the set-up first.", code="auth.totp_not_started")
    now = ctx.clock.now()
    _verify(ctx, user, code, now=now)
    user.totp_enabled_at = now


def disable(ctx: AppContext, user: User, *, password: str, code: str) -> None:
    """Turning it off needs both the password and a current code."""
    if not user.has_totp:
        raise Conflict("Two-step sign-in is not on.", code="auth.totp_not_enabled")
    if not ctx.passwords.verify(user.password_hash, password):
        raise NotAuthenticated("The password is wrong.", code="auth.invalid_credentials")
    _verify(ctx, user, code, now=ctx.clock.now())
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None


def check_login_code(ctx: AppContext, user: User, code: str | None, *, now: datetime) -> None:
    if not code:
        raise NotAuthenticated(
            "Enter the 6-digit code from your authenticator app.",
            code="auth.totp_required",
            details={"totp_required": True},
        )
    _verify(ctx, user, code, now=now)


def _verify(ctx: AppContext, user: User, code: str, *, now: datetime) -> None:
    """Accept the current step (±1 for clock skew), each step only once (no replay)."""
    assert user.totp_secret is not None
    secret = ctx.keyring.open(user.totp_secret, purpose=PURPOSE, context=user.id).decode()
    totp = pyotp.TOTP(secret)
    step_now = int(now.timestamp()) // totp.interval
    for step in (step_now, step_now - 1, step_now + 1):
        if totp.at(step * totp.interval) == code.strip() and step != user.totp_last_step:
            if user.totp_last_step is not None and step < user.totp_last_step:
                continue
            user.totp_last_step = step
            return
    raise ValidationFailed("The authenticator code is wrong.", code="auth.totp_invalid")
