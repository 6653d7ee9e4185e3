"""Turning two-step sign-in on and off with its recovery codes (issue 12 item 17), one
home for the API and the security page."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hearthwatch.accounts import recovery_codes, totp
from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.errors import Conflict, NotAuthenticated


def turn_on(ctx: AppContext, db: Session, *, user: User, code: str) -> list[str]:
    """Enable with a first authenticator code; returns the recovery codes (shown once)."""
    totp.enable(ctx, user, code)
    return recovery_codes.issue(ctx, db, user=user)


def turn_off(ctx: AppContext, db: Session, *, user: User, password: str, code: str) -> None:
    totp.disable(ctx, user, password=password, code=code)
    recovery_codes.discard(db, user_id=user.id)


def new_codes(ctx: AppContext, db: Session, *, user: User, password: str) -> list[str]:
    """Replace every recovery code (after the password): for lost or used-up codes."""
    if not user.has_totp:
        raise Conflict("Two-step sign-in is not on.", code="auth.totp_not_enabled")
    if not ctx.passwords.verify(user.password_hash, password):
        raise NotAuthenticated("The password is wrong.", code="auth.invalid_credentials")
    return recovery_codes.issue(ctx, db, user=user)
