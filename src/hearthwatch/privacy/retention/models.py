"""Storage models of retention: the durable scheduler's job state and inactivity warnings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hearthwatch.db.base import Base, UTCDateTime


class ScheduledJob(Base):
    """One periodic job's state, shared by every node: when it ran, when it is due, and who
    holds the lease to run it now (taken by a conditional UPDATE, so one node runs it)."""

    __tablename__ = "scheduled_jobs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_outcome: Mapped[str | None] = mapped_column(String(16))
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InactivityWarning(Base):
    """An account warned that it will be deleted for inactivity (P33); the row goes when the
    person is active again or the account is deleted."""

    __tablename__ = "inactivity_warnings"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    warned_at: Mapped[datetime] = mapped_column(UTCDateTime())
