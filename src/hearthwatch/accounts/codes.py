"""One-time codes mailed to an account: issued hashed, expiring, with few attempts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import OneTimeCode
from hearthwatch.db.base import new_id
from hearthwatch.errors import ValidationFailed
from hearthwatch.security.secrets import hash_code, new_numeric_code, same

CONFIRM_EMAIL = "confirm_email"
PASSWORD_RESET = "password_reset"  # noqa: S105 (a purpose name)
CHANGE_EMAIL = "change_email"
UNDO_EMAIL_CHANGE = "undo_email_change"


def issue_code(
    session: Session,
    *,
    user_id: str,
    purpose: str,
    lifetime: timedelta,
    now: datetime,
    email: str | None = None,
) -> str:
    """A fresh code for `purpose`; any earlier unused code of the same purpose stops working.

    `email` is the address the code is about when it is not the account's own."""
    session.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.user_id == user_id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
    code = new_numeric_code()
    record_id = new_id()
    session.add(
        OneTimeCode(
            id=record_id,
            user_id=user_id,
            purpose=purpose,
            code_hash=hash_code(code, salt=record_id),
            created_at=now,
            expires_at=now + lifetime,
            email=email,
        )
    )
    return code


def latest_code(session: Session, *, user_id: str, purpose: str) -> OneTimeCode | None:
    return session.scalars(
        select(OneTimeCode)
        .where(
            OneTimeCode.user_id == user_id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.used_at.is_(None),
        )
        .order_by(OneTimeCode.created_at.desc())
        .limit(1)
    ).first()


def consume_code(
    record: OneTimeCode | None, code: str, *, max_attempts: int, now: datetime
) -> None:
    """Accept `code` once, or raise a clear `auth.code_*` error and count the attempt."""
    if record is None:
        raise ValidationFailed("The code is wrong. Ask for a new one.", code="auth.code_invalid")
    if record.expires_at <= now:
        raise ValidationFailed("The code has expired. Ask for a new one.", code="auth.code_expired")
    if record.attempts >= max_attempts:
        record.used_at = now
        raise ValidationFailed(
            "Too many wrong codes. Ask for a new one.", code="auth.code_attempts_exceeded"
        )
    if not same(record.code_hash, hash_code(code, salt=record.id)):
        record.attempts += 1
        remaining = max_attempts - record.attempts
        if remaining <= 0:
            record.used_at = now
        raise ValidationFailed(
            "The code is wrong." + (" Ask for a new one." if remaining <= 0 else ""),
            code="auth.code_invalid",
            details={"attempts_left": max(0, remaining)},
        )
    record.used_at = now
