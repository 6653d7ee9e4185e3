"""Password reset by mailed code (P2), password change, and "my account is compromised" (P3)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from hearthwatch.accounts import codes
from hearthwatch.accounts.models import ApiToken, BrowserSession, User
from hearthwatch.accounts.registration import find_user_by_email
from hearthwatch.context import AppContext
from hearthwatch.errors import NotAuthenticated
from hearthwatch.mail import messages
from hearthwatch.mail.messages import OutgoingMail


def request_password_reset(ctx: AppContext, session: Session, *, email: str) -> list[OutgoingMail]:
    """A 6-digit code's mail for the account, none for unknown addresses (no enumeration):
    the caller sends it after answering, so the answer takes as long either way."""
    user = find_user_by_email(session, email)
    if user is None:
        return []
    minutes = ctx.settings.reset_code_minutes
    code = codes.issue_code(
        session,
        user_id=user.id,
        purpose=codes.PASSWORD_RESET,
        lifetime=timedelta(minutes=minutes),
        now=ctx.clock.now(),
    )
    session.flush()
    return [messages.password_reset_code(user.email, code, minutes)]


def reset_password(
    ctx: AppContext, session: Session, *, email: str, code: str, new_password: str
) -> User:
    """Set a new password with the mailed code; unlocks the account and ends every session."""
    user = find_user_by_email(session, email)
    record = (
        codes.latest_code(session, user_id=user.id, purpose=codes.PASSWORD_RESET) if user else None
    )
    now = ctx.clock.now()
    # Judge the password before the code is spent, so a weak choice can be retried.
    ctx.passwords.require_strong(new_password, password_hints(user) if user else ())
    codes.consume_code(record, code, max_attempts=ctx.settings.reset_code_attempts, now=now)
    assert user is not None
    _set_password(ctx, user, new_password)
    user.compromised_at = None
    user.locked_until = None
    user.failed_logins = 0
    # The code reached the mailbox, so the address is proven too.
    user.email_confirmed_at = user.email_confirmed_at or now
    end_all_sessions(ctx, session, user_id=user.id, include_tokens=True)
    ctx.mailer.send(messages.password_changed(user.email))
    return user


def change_password(
    ctx: AppContext,
    session: Session,
    *,
    user: User,
    current_password: str,
    new_password: str,
    keep_session_id: str | None,
) -> None:
    """Change the password; every other session is signed out."""
    if not ctx.passwords.verify(user.password_hash, current_password):
        raise NotAuthenticated("The current password is wrong.", code="auth.invalid_credentials")
    _set_password(ctx, user, new_password)
    end_all_sessions(ctx, session, user_id=user.id, except_session_id=keep_session_id)
    ctx.mailer.send(messages.password_changed(user.email))


def set_password_by_operator(
    ctx: AppContext, session: Session, *, user: User, new_password: str
) -> None:
    """The operator's reset (`hearthwatch user reset-password`): like a mailed-code reset, it
    unlocks the account and ends every session and token; the owner is told by mail."""
    _set_password(ctx, user, new_password)
    user.compromised_at = None
    user.locked_until = None
    user.failed_logins = 0
    end_all_sessions(ctx, session, user_id=user.id, include_tokens=True)
    ctx.mailer.send(messages.password_changed(user.email))


def password_hints(user: User) -> tuple[str, ...]:
    """Words a password must not lean on: the user's own name and address."""
    return (user.email.split("@")[0], user.nickname or "", user.real_name or "")


def _set_password(ctx: AppContext, user: User, new_password: str) -> None:
    ctx.passwords.require_strong(new_password, password_hints(user))
    user.password_hash = ctx.passwords.hash(new_password)
    user.updated_at = ctx.clock.now()


def report_compromised(ctx: AppContext, session: Session, *, user: User) -> None:
    """Lock the account, end every session and token, and tell the owner by mail."""
    user.compromised_at = ctx.clock.now()
    end_all_sessions(ctx, session, user_id=user.id, include_tokens=True)
    ctx.mailer.send(messages.account_locked(user.email, "you reported it as compromised"))


def end_all_sessions(
    ctx: AppContext,
    session: Session,
    *,
    user_id: str,
    except_session_id: str | None = None,
    include_tokens: bool = False,
) -> int:
    """Revoke the user's sessions (and optionally API tokens); returns how many sessions ended."""
    now = ctx.clock.now()
    query = update(BrowserSession).where(
        BrowserSession.user_id == user_id, BrowserSession.revoked_at.is_(None)
    )
    if except_session_id is not None:
        query = query.where(BrowserSession.id != except_session_id)
    ended = session.execute(query.values(revoked_at=now)).rowcount  # type: ignore[attr-defined]
    if include_tokens:
        session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    return int(ended or 0)
