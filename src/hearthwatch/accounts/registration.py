"""Sign-up and e-mail confirmation (P1): e-mail and password; every other detail optional."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.accounts import codes
from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.mail import messages


def normalise_email(email: str) -> str:
    local, _, domain = email.strip().rpartition("@")
    return f"{local}@{domain.lower()}".lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == normalise_email(email))).first()


def register(
    ctx: AppContext,
    session: Session,
    *,
    email: str,
    password: str,
    nickname: str | None = None,
    real_name: str | None = None,
) -> User | None:
    """Create an unconfirmed account and mail its code.

    For an address already registered nothing changes and no error is raised, so sign-up
    never tells a stranger who has an account; the owner gets a confirmation code again
    if still unconfirmed.
    """
    email = normalise_email(email)
    ctx.passwords.require_strong(password, (email.split("@")[0], nickname or "", real_name or ""))
    existing = find_user_by_email(session, email)
    if existing is not None:
        if not existing.is_confirmed:
            send_confirmation(ctx, session, existing)
        return None
    now = ctx.clock.now()
    user = User(
        email=email,
        password_hash=ctx.passwords.hash(password),
        nickname=nickname or None,
        real_name=real_name or None,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    send_confirmation(ctx, session, user)
    return user


def send_confirmation(ctx: AppContext, session: Session, user: User) -> None:
    hours = ctx.settings.confirm_code_hours
    code = codes.issue_code(
        session,
        user_id=user.id,
        purpose=codes.CONFIRM_EMAIL,
        lifetime=timedelta(hours=hours),
        now=ctx.clock.now(),
    )
    session.flush()
    ctx.mailer.send(messages.confirmation_code(user.email, code, hours))


def resend_confirmation(ctx: AppContext, session: Session, *, email: str) -> None:
    user = find_user_by_email(session, email)
    if user is not None and not user.is_confirmed:
        send_confirmation(ctx, session, user)


def confirm_email(ctx: AppContext, session: Session, *, email: str, code: str) -> User:
    """Mark the address confirmed with the mailed code; wrong codes count against the code."""
    user = find_user_by_email(session, email)
    now = ctx.clock.now()
    if user is not None and user.is_confirmed:
        return user
    record = (
        codes.latest_code(session, user_id=user.id, purpose=codes.CONFIRM_EMAIL) if user else None
    )
    codes.consume_code(record, code, max_attempts=ctx.settings.reset_code_attempts, now=now)
    assert user is not None  # a record exists only for a real user
    user.email_confirmed_at = now
    user.updated_at = now
    return user
