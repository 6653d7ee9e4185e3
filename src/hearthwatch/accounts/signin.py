"""Signing in and out, and recognising who is calling (session cookie or API token)."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hearthwatch.accounts import recovery_codes, totp
from hearthwatch.accounts.lookup import find_user_by_email, normalise_email
from hearthwatch.accounts.models import ApiToken, BrowserSession, User
from hearthwatch.context import AppContext
from hearthwatch.errors import AccountLocked, NotAuthenticated, PermissionDenied, ValidationFailed
from hearthwatch.privacy.datamap.uses import SIGN_IN_RECORDS
from hearthwatch.privacy.limits import service as limits
from hearthwatch.privacy.minors.hold import require_not_on_hold
from hearthwatch.privacy.retention.closure import deletion_date
from hearthwatch.security.secrets import hash_secret, new_secret

TOKEN_PREFIX = "hwt_"  # noqa: S105 (a public prefix)
TOUCH_EVERY = timedelta(minutes=5)


# Built once: these run on every authenticated request, and building a statement costs more
# than running it on SQLite. SQLAlchemy caches the compiled form by the statement's shape.
_SESSION_BY_SECRET = (
    select(BrowserSession, User)
    .join(User, User.id == BrowserSession.user_id)
    .where(BrowserSession.secret_hash == bindparam("secret_hash"))
)
_TOKEN_BY_SECRET = (
    select(ApiToken, User)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.secret_hash == bindparam("secret_hash"))
)


@dataclass(frozen=True)
class NewSession:
    session: BrowserSession
    secret: str


@dataclass(frozen=True)
class Caller:
    """Who made a request, and with which credential."""

    user: User
    session_id: str | None = None
    token_id: str | None = None


def login(
    ctx: AppContext,
    session: Session,
    *,
    email: str,
    password: str,
    totp_code: str | None,
    ip_address: str | None,
    user_agent: str | None,
    recovery_code: str | None = None,
) -> NewSession:
    """Check password (and second factor: an authenticator or a recovery code) and open a
    session.

    Wrong passwords slow down further tries for this address from this client address
    only (`BackOff`, growing delays): nobody can lock the owner out by failing on purpose.
    Unknown addresses are slowed the same way, so the delay tells nothing either.
    """
    user = check_password(ctx, session, email=email, password=password, ip_address=ip_address)
    if user.has_totp:
        check_second_step(
            ctx, session, user, totp_code=totp_code, recovery_code=recovery_code,
            ip_address=ip_address,
        )  # fmt: skip
    return complete_sign_in(ctx, session, user, ip_address=ip_address, user_agent=user_agent)


def check_password(
    ctx: AppContext, session: Session, *, email: str, password: str, ip_address: str | None
) -> User:
    """The first step: the account whose password this is (wrong ones slow further tries)."""
    now = ctx.clock.now()
    pair = attempt_key(email, ip_address)
    ctx.login_backoff.check(pair, now, message=SLOWED_DOWN, code="auth.too_many_failures")
    user = find_user_by_email(session, email)
    if user is not None:
        ensure_not_locked(user, now)
    if not ctx.passwords.verify(user.password_hash if user else None, password) or user is None:
        ctx.login_backoff.fail(pair, now)
        raise NotAuthenticated("The e-mail or password is wrong.", code="auth.invalid_credentials")
    ensure_not_closed(user)  # only told to whoever knows the password
    if ctx.passwords.needs_rehash(user.password_hash):
        user.password_hash = ctx.passwords.hash(password)
    return user


def check_second_step(
    ctx: AppContext,
    session: Session,
    user: User,
    *,
    totp_code: str | None,
    recovery_code: str | None,
    ip_address: str | None,
) -> None:
    """An authenticator code, or one recovery code (spent); guesses are slowed like wrong
    passwords, for the same (account, client address) pair."""
    now = ctx.clock.now()
    pair = attempt_key(user.email, ip_address)
    ctx.login_backoff.check(pair, now, message=SLOWED_DOWN, code="auth.too_many_failures")
    try:
        if recovery_code:
            recovery_codes.use(ctx, session, user=user, code=recovery_code, now=now)
        else:
            totp.check_login_code(ctx, user, totp_code, now=now)
    except ValidationFailed:
        ctx.login_backoff.fail(pair, now)
        raise


def complete_sign_in(
    ctx: AppContext,
    session: Session,
    user: User,
    *,
    ip_address: str | None,
    user_agent: str | None,
) -> NewSession:
    """After every step passed: the account's own checks, then a new session."""
    admit(session, user)
    ctx.login_backoff.succeed(attempt_key(user.email, ip_address))
    user.last_login_at = ctx.clock.now()
    return open_session(ctx, session, user=user, ip_address=ip_address, user_agent=user_agent)


SLOWED_DOWN = (
    "Too many wrong passwords for this account from your address. Try again in {wait}, "
    "or sign in with a code mailed to you."
)


def attempt_key(email: str, ip_address: str | None) -> str:
    """The (account, client address) pair wrong passwords are counted for; the address is
    hashed so the throttle's memory holds no one's e-mail address."""
    digest = hashlib.sha256(normalise_email(email).encode()).hexdigest()
    return f"{digest}|{ip_address or '-'}"


def admit(session: Session, user: User) -> None:
    """The checks after the credentials: a confirmed address, no guardian's consent awaited."""
    if not user.is_confirmed:
        raise PermissionDenied(
            "Confirm your e-mail address first: enter the code we mailed you.",
            code="auth.email_unconfirmed",
        )
    require_not_on_hold(session, user.id)  # a child's account waits for a guardian (P4)


def ensure_not_locked(user: User, now: datetime) -> None:
    """Refuse an account reported compromised, or locked by the sign-in lock-out of earlier
    versions (`locked_until` is no longer set: wrong passwords are slowed per pair)."""
    if user.compromised_at is not None:
        raise AccountLocked(
            "This account is locked because it was reported as compromised. "
            "Reset your password with a code mailed to you to unlock it.",
            details={"reason": "compromised"},
        )
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, math.ceil((user.locked_until - now).total_seconds() / 60))
        raise AccountLocked(
            f"Too many failed sign-ins. Try again in {minutes} minutes, "
            "or reset your password to unlock the account now.",
            details={"reason": "too_many_failures", "locked_until": user.locked_until.isoformat()},
        )


def ensure_not_closed(user: User) -> None:
    """A closed account (P34) is refused, with the day its data is deleted for good."""
    if user.closed_at is not None:
        deleted = deletion_date(user.closed_at)
        raise AccountLocked(
            f"This account was closed on {user.closed_at:%d %B %Y}. Its data is kept until "
            f"{deleted:%d %B %Y}, then deleted for good; it cannot be reopened.",
            code="auth.account_closed",
            details={
                "reason": "closed",
                "closed_at": user.closed_at.isoformat(),
                "delete_after": deleted.isoformat(),
            },
        )


def reauthenticate(
    ctx: AppContext, user: User, password: str, *, now: datetime, wrong: str
) -> None:
    """The password again before a sensitive step; wrong ones slow further tries down like
    failed sign-ins (only the signed-in person can try), and are refused with `wrong`."""
    ensure_not_locked(user, now)
    key = f"reauth:{user.id}"
    ctx.login_backoff.check(key, now, message=TRY_LATER, code="auth.too_many_failures")
    if not ctx.passwords.verify(user.password_hash, password):
        ctx.login_backoff.fail(key, now)
        raise NotAuthenticated(wrong, code="privacy.reauth_failed")
    ctx.login_backoff.succeed(key)


TRY_LATER = "Too many wrong passwords. Try again in {wait}."


def open_session(
    ctx: AppContext,
    session: Session,
    *,
    user: User,
    ip_address: str | None,
    user_agent: str | None,
) -> NewSession:
    now = ctx.clock.now()
    secret = new_secret()
    if not limits.processing_allowed(session, user_id=user.id, use=SIGN_IN_RECORDS, at=now):
        ip_address = user_agent = None  # the person objected to, or restricted, keeping them
    record = BrowserSession(
        user_id=user.id,
        secret_hash=hash_secret(secret),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(days=ctx.settings.session_days),
        ip_address=ip_address,
        user_agent=(user_agent or "")[:256] or None,
    )
    session.add(record)
    session.flush()
    return NewSession(record, secret)


def logout(ctx: AppContext, session: Session, *, session_id: str) -> None:
    record = session.get(BrowserSession, session_id)
    if record is not None and record.revoked_at is None:
        record.revoked_at = ctx.clock.now()


def caller_from_session(ctx: AppContext, session: Session, secret: str) -> Caller | None:
    """The signed-in user for a session cookie, or None when it is unknown, ended or locked."""
    now = ctx.clock.now()
    row = session.execute(_SESSION_BY_SECRET, {"secret_hash": hash_secret(secret)}).first()
    if row is None:
        return None
    record, user = row
    if record.revoked_at is not None or record.expires_at <= now or not _usable(user, now):
        return None
    if now - record.last_seen_at > TOUCH_EVERY:
        record.last_seen_at = now
    return Caller(user=user, session_id=record.id)


def caller_from_token(ctx: AppContext, session: Session, secret: str) -> Caller | None:
    """The user behind a personal API token (``hwt_...``), or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    now = ctx.clock.now()
    row = session.execute(_TOKEN_BY_SECRET, {"secret_hash": hash_secret(secret)}).first()
    if row is None:
        return None
    token, user = row
    expired = token.expires_at is not None and token.expires_at <= now
    if token.revoked_at is not None or expired or not _usable(user, now):
        return None
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        token.last_used_at = now
    return Caller(user=user, token_id=token.id)


def _usable(user: User, now: datetime) -> bool:
    return user.compromised_at is None and user.closed_at is None and user.is_confirmed


def credential_alive(ctx: AppContext, session: Session, credential_id: str) -> bool:
    """Whether the session or API token a media token was issued under still works."""
    now = ctx.clock.now()
    record = session.get(BrowserSession, credential_id)
    if record is not None:
        return record.revoked_at is None and record.expires_at > now
    token = session.get(ApiToken, credential_id)
    if token is None or token.revoked_at is not None:
        return False
    return token.expires_at is None or token.expires_at > now
