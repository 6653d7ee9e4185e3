"""The queue of one-off jobs: enqueue in the caller's transaction, claim with a lease, finish.

Claims are safe with any number of runners on one database:

- PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED` picks a due job no other transaction is
  claiming, and the same transaction marks it running with this runner's lease.
- SQLite (no row locks): the candidate is read, then taken by a conditional UPDATE that
  repeats the "claimable" test and compares the attempt count read (compare-and-set):
  of two runners racing for one job, exactly one UPDATE changes the row.

A job is claimable when it is queued and due (`run_after` passed), or running with an
expired lease (its runner died). Every claim counts an attempt; `finish` records the
outcome only while this runner still holds the lease, so a runner that lost its job to a
takeover cannot overwrite the newer attempt's result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.db.base import new_id
from hearthwatch.jobs.models import DONE, FAILED, LIVE_STATES, QUEUED, RUNNING, QueuedJob
from hearthwatch.jobs.registry import JobKind, Payload, Registry

ERROR_CHARS = 1000
SQLITE_CANDIDATES = 8  # read at once; a runner that loses a race tries the next one


@dataclass(frozen=True)
class Claimed:
    """A job this runner holds the lease of, with what its handler needs."""

    id: str
    kind: str
    payload: dict[str, Any]
    attempts: int  # this attempt included
    max_attempts: int


def enqueue(
    db: Session,
    kind: JobKind,
    payload: Payload,
    *,
    now: datetime,
    run_after: datetime | None = None,
    dedupe_key: str | None = None,
    user_id: str | None = None,
) -> str:
    """Queue a job in `db`'s transaction (it exists once that commits); returns its id.

    With a `dedupe_key` already held by a live job, that job's id is returned and nothing is
    added (two transactions racing to add the same key: the unique index refuses the second).
    Payloads hold ids, not personal data: the handler reads the rest when it runs."""
    if dedupe_key is not None:
        existing = db.scalar(select(QueuedJob.id).where(QueuedJob.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    job = QueuedJob(
        id=new_id(),
        kind=kind.name,
        payload=json.dumps(dict(payload), sort_keys=True),
        user_id=user_id,
        dedupe_key=dedupe_key,
        state=QUEUED,
        attempts=0,
        max_attempts=kind.max_attempts,
        run_after=run_after or now,
        created_at=now,
    )
    db.add(job)
    db.flush()
    return job.id


def claim(
    ctx: AppContext, registry: Registry, *, node: str, job_id: str | None = None
) -> Claimed | None:
    """Take the next due job of a kind `registry` knows, or job `job_id` (due or not)."""
    now = ctx.clock.now()
    where = [QueuedJob.kind.in_(registry.names), _claimable(now, due=job_id is None)]
    if job_id is not None:
        where.append(QueuedJob.id == job_id)
    if ctx.db.engine.dialect.name == "postgresql":
        return _claim_locked(ctx, registry, node, now, where)
    return _claim_compare_and_set(ctx, registry, node, now, where)


def _claimable(now: datetime, *, due: bool) -> ColumnElement[bool]:
    waiting = QueuedJob.state == QUEUED
    if due:
        waiting = and_(waiting, QueuedJob.run_after <= now)
    abandoned = and_(QueuedJob.state == RUNNING, QueuedJob.lease_expires_at <= now)
    return or_(waiting, abandoned)


def _claim_locked(
    ctx: AppContext, registry: Registry, node: str, now: datetime, where: list[Any]
) -> Claimed | None:
    with ctx.db.session() as db:
        job = db.scalar(
            select(QueuedJob)
            .where(*where)
            .order_by(QueuedJob.run_after)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if job is None:
            return None
        job.state, job.lease_owner, job.attempts = RUNNING, node, job.attempts + 1
        job.lease_expires_at = now + registry.get(job.kind).lease
        return _claimed(job.id, job.kind, job.payload, job.attempts, job.max_attempts)


def _claim_compare_and_set(
    ctx: AppContext, registry: Registry, node: str, now: datetime, where: list[Any]
) -> Claimed | None:
    with ctx.db.session() as db:
        candidates = db.execute(
            select(
                QueuedJob.id,
                QueuedJob.kind,
                QueuedJob.payload,
                QueuedJob.attempts,
                QueuedJob.max_attempts,
            )
            .where(*where)
            .order_by(QueuedJob.run_after)
            .limit(SQLITE_CANDIDATES)
        ).all()
    for job_id, kind, payload, attempts, max_attempts in candidates:
        taken = (
            update(QueuedJob)
            .where(*where, QueuedJob.id == job_id, QueuedJob.attempts == attempts)
            .values(
                state=RUNNING,
                lease_owner=node,
                lease_expires_at=now + registry.get(kind).lease,
                attempts=attempts + 1,
            )
        )
        with ctx.db.session() as db:
            if db.execute(taken).rowcount == 1:  # type: ignore[attr-defined]
                return _claimed(job_id, kind, payload, attempts + 1, max_attempts)
    return None


def _claimed(job_id: str, kind: str, payload: str, attempts: int, most: int) -> Claimed:
    return Claimed(job_id, kind, json.loads(payload), attempts, most)


def renew(ctx: AppContext, job_id: str, *, node: str, lease: timedelta) -> bool:
    """Extend this runner's lease on a running job; False when the lease was lost."""
    with ctx.db.session() as db:
        renewed = db.execute(
            update(QueuedJob)
            .where(*_held(job_id, node))
            .values(lease_expires_at=ctx.clock.now() + lease)
        )
        return bool(renewed.rowcount)  # type: ignore[attr-defined]


def finish(
    ctx: AppContext, job: Claimed, kind: JobKind, *, node: str, error: str | None = None
) -> str | None:
    """Record the attempt's outcome: done, queued again after a back-off, or failed.

    Returns the job's new state, or None when this runner no longer held the lease."""
    now = ctx.clock.now()
    ended: dict[str, Any] = {"finished_at": now, "dedupe_key": None}
    if error is None:
        values: dict[str, Any] = {"state": DONE, **ended}
    elif job.attempts < job.max_attempts:
        values = {"state": QUEUED, "run_after": now + kind.delay(job.attempts)}
    else:
        values = {"state": FAILED, **ended}
    if error is not None:
        values["last_error"] = error[:ERROR_CHARS]
    with ctx.db.session() as db:
        changed = db.execute(
            update(QueuedJob)
            .where(*_held(job.id, node))
            .values(lease_owner=None, lease_expires_at=None, **values)
        )
        return str(values["state"]) if changed.rowcount else None  # type: ignore[attr-defined]


def _held(job_id: str, node: str) -> tuple[ColumnElement[bool], ...]:
    return (QueuedJob.id == job_id, QueuedJob.state == RUNNING, QueuedJob.lease_owner == node)


def live_job(db: Session, dedupe_key: str) -> str | None:
    """The id of the queued or running job holding `dedupe_key`, if any."""
    return db.scalar(
        select(QueuedJob.id).where(
            QueuedJob.dedupe_key == dedupe_key, QueuedJob.state.in_(LIVE_STATES)
        )
    )


def purge(ctx: AppContext, *, done_after: timedelta, failed_after: timedelta) -> int:
    """Delete jobs that ended long enough ago (failed ones are kept longer, to be looked at)."""
    now = ctx.clock.now()
    ended = or_(
        and_(QueuedJob.state == DONE, QueuedJob.finished_at < now - done_after),
        and_(QueuedJob.state == FAILED, QueuedJob.finished_at < now - failed_after),
    )
    with ctx.db.session() as db:
        return int(db.execute(delete(QueuedJob).where(ended)).rowcount or 0)  # type: ignore[attr-defined]
