"""Storage models of background work: periodic jobs' state and the queue of one-off jobs.

A queued job moves through these states (`QueuedJob.state`):

    queued ──claim──▶ running ──▶ done
      ▲                  │
      └──── retry ◀──────┤ (an error, attempts left: back off, then queued again)
                         └──▶ failed (the last attempt's error kept in `last_error`)

A `running` job whose lease expired (its runner died or hung) is claimable again, exactly
like a due `queued` one: the lease, renewed while the handler runs, is what says "alive".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hearthwatch.db.base import Base, UTCDateTime, new_id

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
LIVE_STATES = (QUEUED, RUNNING)


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


class QueuedJob(Base):
    """One piece of background work asked for once (build this export, finish this erasure).

    `payload` is JSON holding ids only, never the personal data itself, so erasing a person
    leaves nothing of them here once their rows (found through `user_id`) are deleted.
    `dedupe_key` is unique while the job is live and cleared when it ends, so the same work
    is never queued twice at once but may be queued again later.
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_run_after", "state", "run_after"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    # The account the work is done for, if any: its pending jobs go with it (erasure).
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
