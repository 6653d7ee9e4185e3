"""Recovery codes: the way in when the authenticator app is lost (issue 12 item 17, P3).

Turning two-step sign-in on makes ten codes, shown once; each stands in for an authenticator
code once. Making new ones replaces every old one. They are random (ten characters from a
31-letter alphabet, about 50 bits), and stored as HMAC-SHA-256 under a key derived from the
master key and bound to the account: a copy of the database alone cannot test guesses.
Typing is forgiving: case, spaces and dashes do not matter.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import RecoveryCode, User
from hearthwatch.context import AppContext
from hearthwatch.errors import ValidationFailed

COUNT = 10
# No 0/o, 1/l/i: nothing to misread from paper.
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
LENGTH = 10
KEY_PURPOSE = "recovery-codes-v1"


def issue(ctx: AppContext, db: Session, *, user: User) -> list[str]:
    """Replace the account's codes with `COUNT` new ones; the only time they are readable."""
    discard(db, user_id=user.id)
    now = ctx.clock.now()
    codes = [formatted(_new_code()) for _ in range(COUNT)]
    db.add_all(
        RecoveryCode(user_id=user.id, code_hash=_hash(ctx, user.id, code), created_at=now)
        for code in codes
    )
    db.flush()
    return codes


def remaining(db: Session, *, user_id: str) -> int:
    """How many codes are left unused."""
    query = select(func.count()).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
    )
    return int(db.scalar(query) or 0)


def use(ctx: AppContext, db: Session, *, user: User, code: str, now: datetime) -> None:
    """Spend one unused code, else `auth.recovery_code_invalid`. The UPDATE is conditional
    on the code being unused, so two sign-ins racing with one code cannot both pass."""
    spent = db.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(ctx, user.id, code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise ValidationFailed(
            "That recovery code is wrong or was used already.", code="auth.recovery_code_invalid"
        )


def discard(db: Session, *, user_id: str) -> None:
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))


def looks_like_recovery_code(text: str) -> bool:
    """Whether a typed second-step code is a recovery code (else an authenticator code)."""
    return len(normalise(text)) == LENGTH and not text.strip().isdigit()


def normalise(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch not in " -\t")


def formatted(code: str) -> str:
    """`abcde-fghjk`: two groups read more easily off paper."""
    return f"{code[:5]}-{code[5:]}"


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def _hash(ctx: AppContext, user_id: str, code: str) -> str:
    key = ctx.keyring.derive(KEY_PURPOSE)
    message = f"{user_id}:{normalise(code)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
