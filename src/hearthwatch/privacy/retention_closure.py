"""Closing an account (P34): sign-in is refused at once, every session and API token ends,
recording of its cameras stops; the data stays 6 months, then the retention sweep erases it.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import ApiToken, BrowserSession, User
from hearthwatch.context import AppContext
from hearthwatch.devices.models import RECORDING_OFF, Camera
from hearthwatch.errors import NotFound
from hearthwatch.privacy import audit


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
