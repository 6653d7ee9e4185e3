"""Storage model of retention: inactivity warnings (the periodic jobs' state lives in
`jobs/models.py`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from hearthwatch.db.base import Base, UTCDateTime

__all__ = ["InactivityWarning"]


class InactivityWarning(Base):
    """An account warned that it will be deleted for inactivity (P33); the row goes when the
    person is active again or the account is deleted."""

    __tablename__ = "inactivity_warnings"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    warned_at: Mapped[datetime] = mapped_column(UTCDateTime())
