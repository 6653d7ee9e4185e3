"""Accounts nobody has used for two years (P33): a warning by mail at 23 months, then,
unless the person signs in or uses the API within 30 days, the account's data is erased.

Activity is any sign-in, any request on a browser session and any use of an API token
(`users.last_login_at`, `sessions.last_seen_at`, `api_tokens.last_used_at`), or the
account's creation. A warning row records that the mail went; activity after it cancels
the deletion (the row is removed), and a later silence starts the count again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, or_, select

from hearthwatch.accounts.models import ApiToken, BrowserSession, User
from hearthwatch.context import AppContext
from hearthwatch.mail.messages import OutgoingMail
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.retention.models import InactivityWarning
from hearthwatch.privacy.retention.rules import INACTIVE_ACCOUNTS

BATCH = 200
EraseAccounts = Callable[..., int]  # (ctx, where, *, reason) -> accounts erased


def active_since(moment: Any) -> ColumnElement[bool]:
    """True for users who did anything at or after `moment` (a time or a column)."""
    # coalesce: a NULL in an OR would make the NOT of "active" unknown, not true.
    return or_(
        func.coalesce(User.last_login_at, User.created_at) >= moment,
        exists().where(BrowserSession.user_id == User.id, BrowserSession.last_seen_at >= moment),
        exists().where(ApiToken.user_id == User.id, ApiToken.last_used_at >= moment),
    )


def sweep_inactive(ctx: AppContext, *, erase: EraseAccounts) -> tuple[int, int]:
    """Cancel warnings of people active again, erase the silent, warn the newly inactive;
    returns (warnings sent, accounts erased)."""
    _cancel_answered(ctx)
    erased = _erase_unanswered(ctx, erase)
    return _warn(ctx), erased


def _cancel_answered(ctx: AppContext) -> None:
    answered = (
        select(InactivityWarning.user_id)
        .join(User, User.id == InactivityWarning.user_id)
        .where(active_since(InactivityWarning.warned_at))
    )
    with ctx.db.session() as db:
        for user_id in list(db.scalars(answered)):
            db.execute(delete(InactivityWarning).where(InactivityWarning.user_id == user_id))
            _audit(db, ctx.clock.now(), "retention.inactivity_cancelled", user_id)


def _erase_unanswered(ctx: AppContext, erase: EraseAccounts) -> int:
    deadline = ctx.clock.now() - timedelta(days=INACTIVE_ACCOUNTS.delete_after_days)
    due = select(InactivityWarning.user_id).where(InactivityWarning.warned_at <= deadline)
    return erase(ctx, User.id.in_(due), reason="inactive")


def _warn(ctx: AppContext) -> int:
    now = ctx.clock.now()
    silent_since = now - timedelta(days=INACTIVE_ACCOUNTS.warn_after_days)
    query = (
        select(User)
        .where(User.closed_at.is_(None), ~active_since(silent_since))
        .where(~exists().where(InactivityWarning.user_id == User.id))
        .limit(BATCH)
    )
    warned = 0
    while True:
        with ctx.db.session() as db:
            users = list(db.scalars(query))
            for user in users:
                _warn_one(ctx, db, user, now)
        if not users:
            return warned
        warned += len(users)


def _warn_one(ctx: AppContext, db: Any, user: User, now: datetime) -> None:
    db.add(InactivityWarning(user_id=user.id, warned_at=now))
    db.flush()
    _audit(db, now, "retention.inactivity_warned", user.id)
    # Sent inside the transaction: if the mail fails, no warning is recorded and the next
    # sweep tries again, so nobody is deleted without having been told.
    ctx.mailer.send(inactivity_mail(user.email, INACTIVE_ACCOUNTS.delete_after_days))


def inactivity_mail(to: str, days: int) -> OutgoingMail:
    return OutgoingMail(
        to=to,
        kind="privacy.inactivity_warning",
        subject=f"Your Hearthwatch account will be deleted in {days} days",
        body=(
            "Nobody has used this Hearthwatch account for 23 months. We keep personal data "
            "no longer than needed, so the account and all its data, recordings included, "
            f"will be deleted in {days} days.\n\n"
            "To keep the account, just sign in before then. Nothing else is needed.\n"
        ),
    )


def _audit(db: Any, at: datetime, action: str, user_id: str) -> None:
    audit.record(db, at=at, actor=audit.SYSTEM, action=action, subject_id=user_id)
