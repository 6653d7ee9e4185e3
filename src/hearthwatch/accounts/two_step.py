"""The web sign-in's second step (issue 12 item 17): the password is checked on one page,
the authenticator or recovery code asked on the next, so a person is never sent back to
type the password again with a red error.

Between the two pages the browser holds a pending-sign-in ticket: the account id and an
expiry, signed with a key derived from the master key and bound to the account's password
hash (a password change voids it). It admits nothing by itself: it only lets the second
step be asked without asking for the password again, for `TICKET_MINUTES`.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.errors import NotAuthenticated

TICKET_MINUTES = 5
KEY_PURPOSE = "two-step-ticket-v1"
EXPIRED = "The sign-in took too long. Enter your e-mail address and password again."


def ticket_for(ctx: AppContext, user: User) -> str:
    """A ticket saying `user` passed the password step just now."""
    expires = int((ctx.clock.now() + timedelta(minutes=TICKET_MINUTES)).timestamp())
    body = f"{user.id}.{expires}"
    return f"{body}.{_sign(ctx, user, body)}"


def user_of_ticket(ctx: AppContext, db: Session, ticket: str | None) -> User:
    """The account a valid, unexpired ticket names, else `auth.two_step_expired`."""
    expired = NotAuthenticated(EXPIRED, code="auth.two_step_expired")
    user_id, _, rest = (ticket or "").partition(".")
    expires, _, signature = rest.partition(".")
    if not (user_id and expires.isdigit() and signature) or len(user_id) > 32:
        raise expired
    user = db.get(User, user_id)
    if user is None or not user.has_totp:
        raise expired
    good = _sign(ctx, user, f"{user_id}.{expires}")
    if not hmac.compare_digest(good, signature) or _expired(ctx.clock.now(), int(expires)):
        raise expired
    return user


def _expired(now: datetime, expires: int) -> bool:
    return now.timestamp() > expires


def _sign(ctx: AppContext, user: User, body: str) -> str:
    key = ctx.keyring.derive(KEY_PURPOSE)
    message = f"{body}.{user.password_hash}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
