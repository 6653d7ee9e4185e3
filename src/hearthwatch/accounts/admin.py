"""Operator commands on accounts (used by the CLI and the demo)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.accounts.registration import find_user_by_email, normalise_email
from hearthwatch.context import AppContext
from hearthwatch.errors import Conflict


def create_confirmed_user(
    ctx: AppContext, session: Session, *, email: str, password: str, nickname: str | None = None
) -> User:
    """An account that can sign in at once; the password must still be strong."""
    if find_user_by_email(session, email) is not None:
        raise Conflict("An account with this e-mail already exists.", code="account.exists")
    ctx.passwords.require_strong(password, (email.split("@")[0], nickname or ""))
    now = ctx.clock.now()
    user = User(
        email=normalise_email(email),
        password_hash=ctx.passwords.hash(password),
        nickname=nickname,
        created_at=now,
        updated_at=now,
        email_confirmed_at=now,
    )
    session.add(user)
    session.flush()
    return user
