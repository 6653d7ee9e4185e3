"""Proof of identity before an account is erased: password, two-step code if on, and a
6-digit code mailed to the account (P19, P25).

Every wrong password, authenticator code or mailed code counts against the mailed code's
attempts; when they run out the code is spent and a new one must be asked for.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hearthwatch.accounts import codes, totp
from hearthwatch.accounts.models import OneTimeCode, User
from hearthwatch.context import AppContext
from hearthwatch.errors import HearthwatchError, PermissionDenied, ValidationFailed
from hearthwatch.privacy.erasure.mail import erasure_code

ACCOUNT_ERASURE = "account_erasure"
CODE_MINUTES = 15
MAX_ATTEMPTS = 5


def request_code(ctx: AppContext, db: Session, *, user: User) -> None:
    """Mail a fresh code; any earlier one stops working."""
    ctx.code_throttle.hit(f"erasure-code:{user.id}", code="erasure.rate_limited")
    code = codes.issue_code(
        db,
        user_id=user.id,
        purpose=ACCOUNT_ERASURE,
        lifetime=timedelta(minutes=CODE_MINUTES),
        now=ctx.clock.now(),
    )
    db.flush()
    ctx.mailer.send(erasure_code(user.email, code, CODE_MINUTES))


def check_identity(
    ctx: AppContext, db: Session, *, user: User, password: str, code: str, totp_code: str | None
) -> None:
    """Raise a stable `erasure.*` / `auth.code_*` error unless every proof is right."""
    now = ctx.clock.now()
    record = codes.latest_code(db, user_id=user.id, purpose=ACCOUNT_ERASURE)
    if record is None:
        raise ValidationFailed(
            "Ask for a new deletion code: we mail it to your address.",
            code="erasure.code_required",
        )
    if record.expires_at <= now or record.attempts >= MAX_ATTEMPTS:
        codes.consume_code(record, code, max_attempts=MAX_ATTEMPTS, now=now)  # raises
    if not ctx.passwords.verify(user.password_hash, password):
        _count_failure(record, now)
        raise PermissionDenied(
            "The password is wrong.",
            code="erasure.password_invalid",
            details={"attempts_left": max(0, MAX_ATTEMPTS - record.attempts)},
        )
    if user.has_totp:
        try:
            totp.check_login_code(ctx, user, totp_code, now=now)
        except HearthwatchError:
            _count_failure(record, now)
            raise
    codes.consume_code(record, code, max_attempts=MAX_ATTEMPTS, now=now)


def _count_failure(record: OneTimeCode, now: datetime) -> None:
    record.attempts += 1
    if record.attempts >= MAX_ATTEMPTS:
        record.used_at = now
