"""Closing an account (P34): sign-in is refused at once, every session and API token ends,
recording of its cameras stops; the data stays 6 months, then the retention sweep erases it.

The 6 months are calendar months, counted as the rights requests' deadlines are
(`deadlines.add_months`): closed 15 January, deleted from 15 July; closed 31 August,
from 28 February (29 in a leap year). `deletion_date` is the one place that counts them,
for the sweep, the privacy check, the sign-in refusal, the receipt, the mail and the pages.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import ApiToken, BrowserSession, User
from hearthwatch.context import AppContext
from hearthwatch.devices.models import RECORDING_OFF, Camera
from hearthwatch.errors import NotFound
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.retention.rules import CLOSED_ACCOUNTS
from hearthwatch.privacy.rights.deadlines import add_months

# No run of calendar months is shorter than this many days each: a cheap first cut in SQL.
SHORTEST_MONTH_DAYS = 28


def deletion_date(closed_at: datetime) -> datetime:
    """From when the retention sweep erases an account closed at `closed_at`."""
    return add_months(closed_at, CLOSED_ACCOUNTS.months)


def due_for_deletion(db: Session, now: datetime) -> ColumnElement[bool]:
    """The closed accounts whose deletion date has come (held or not: callers decide)."""
    earliest = now - timedelta(days=SHORTEST_MONTH_DAYS * CLOSED_ACCOUNTS.months)
    closed = db.execute(select(User.id, User.closed_at).where(User.closed_at <= earliest))
    return User.id.in_([user_id for user_id, at in closed if at and deletion_date(at) <= now])


def close_account(ctx: AppContext, db: Session, *, user_id: str, actor: str) -> User:
    """Close the account now (the recorder drops its cameras at its next sync)."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("No such account.", code="retention.account_not_found")
    now = ctx.clock.now()
    if user.closed_at is None:
        user.closed_at = now
    for model in (BrowserSession, ApiToken):
        db.execute(
            update(model)
            .where(model.user_id == user_id, model.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    db.execute(
        update(Camera).where(Camera.owner_id == user_id).values(recording_mode=RECORDING_OFF)
    )
    audit.record(db, at=now, actor=actor, action="retention.account_closed", subject_id=user_id)
    return user
