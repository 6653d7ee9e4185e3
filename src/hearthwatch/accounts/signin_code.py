"""Signing in with a code mailed to the account's address (P3; issue 11, item 12).

Wrong passwords slow down only the (account, client address) pair they come from
(`security.throttle.BackOff`), but an owner behind the same address as the guesser, or
one who forgot the password while the account is being attacked, still needs a way in
that the guesser cannot block: a 6-digit code mailed to the account's address. It works
whatever the password attempts' state; it is one-time, valid 10 minutes and allows a few
tries; asking for one is rate-limited by the caller; an account with two-step sign-in
still needs its authenticator code. Asking answers the same whether or not the address
has an account, and the mail goes out after the answer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hearthwatch.accounts import codes, totp
from hearthwatch.accounts.models import OneTimeCode, User
from hearthwatch.accounts.registration import find_user_by_email
from hearthwatch.accounts.signin import (
    NewSession,
    admit,
    ensure_not_closed,
    ensure_not_locked,
    open_session,
)
from hearthwatch.context import AppContext
from hearthwatch.errors import HearthwatchError
from hearthwatch.mail.messages import OutgoingMail

SIGN_IN = "sign_in"  # the purpose of its `OneTimeCode`
LIFETIME = timedelta(minutes=10)


def request_code(ctx: AppContext, session: Session, *, email: str) -> OutgoingMail | None:
    """Issue a sign-in code (an older one stops working) and return its mail to send after
    answering; None when no account that could sign in uses the address."""
    user = find_user_by_email(session, email)
    if user is None or not user.is_confirmed or user.closed_at is not None:
        return None
    code = codes.issue_code(
        session, user_id=user.id, purpose=SIGN_IN, lifetime=LIFETIME, now=ctx.clock.now()
    )
    session.flush()
    return sign_in_code_mail(user.email, code)


def sign_in_with_code(
    ctx: AppContext,
    session: Session,
    *,
    email: str,
    code: str,
    totp_code: str | None,
    ip_address: str | None,
    user_agent: str | None,
) -> NewSession:
    """Open a session with the mailed code (and the authenticator's code under two-step)."""
    now = ctx.clock.now()
    user, record = _spend_code(ctx, session, email=email, code=code)
    if user.has_totp:
        _second_step(ctx, user, record, totp_code, now)
    admit(session, user)
    user.last_login_at = now
    return open_session(ctx, session, user=user, ip_address=ip_address, user_agent=user_agent)


def check_code(ctx: AppContext, session: Session, *, email: str, code: str) -> User:
    """The first step of the web sign-in with a mailed code: the account the code is for
    (spent). Under two-step sign-in, the page of the second step follows."""
    user, _ = _spend_code(ctx, session, email=email, code=code)
    return user


def _spend_code(
    ctx: AppContext, session: Session, *, email: str, code: str
) -> tuple[User, OneTimeCode]:
    now = ctx.clock.now()
    user = find_user_by_email(session, email)
    record = codes.latest_code(session, user_id=user.id, purpose=SIGN_IN) if user else None
    codes.consume_code(record, code, max_attempts=ctx.settings.reset_code_attempts, now=now)
    assert user is not None and record is not None  # a code exists only for an account
    ensure_not_locked(user, now)  # a compromised account is unlocked by a reset only
    ensure_not_closed(user)
    return user, record


def _second_step(
    ctx: AppContext, user: User, record: OneTimeCode, totp_code: str | None, now: datetime
) -> None:
    """A right mailed code still needs the authenticator's code. Until that comes, the
    mailed code stays usable; a wrong authenticator code counts as a try on it."""
    try:
        totp.check_login_code(ctx, user, totp_code, now=now)
    except HearthwatchError:
        if totp_code:
            record.attempts += 1
        if record.attempts < ctx.settings.reset_code_attempts:
            record.used_at = None
        raise


def sign_in_code_mail(to: str, code: str) -> OutgoingMail:
    minutes = int(LIFETIME.total_seconds() // 60)
    return OutgoingMail(
        to=to,
        kind="auth.sign_in_code",
        subject=f"Your Hearthwatch sign-in code: {code}",
        body=(
            f"Your code to sign in to Hearthwatch is {code}. It works once, for {minutes} "
            "minutes.\n\n"
            "If you did not ask for it, someone typed your address: nobody can sign in "
            "without this code, so you can ignore this mail. If you think someone knows "
            "your password, change it after signing in.\n"
        ),
    )
