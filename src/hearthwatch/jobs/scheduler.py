"""A durable scheduler for periodic maintenance: state in the database, one run across nodes.

Jobs are declared as data (`jobs/catalog.py`: a name, an interval, the function). Their
state lives in `scheduled_jobs`: when each last ran, when it is next due, and which node
holds the lease to run it. So a restart loses nothing (a job overdue at start runs at
once), and several nodes sharing one database run each job once: a node runs a job only after an
atomic conditional UPDATE gave it the lease (`WHERE next_run_at <= now AND the lease is
free or expired`), which exactly one of the racing nodes wins on SQLite and PostgreSQL
alike. A node that dies mid-run loses its lease when it expires and another takes over.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from hearthwatch.context import AppContext
from hearthwatch.db.base import new_id
from hearthwatch.jobs.models import ScheduledJob
from hearthwatch.jobs.registry import Job

__all__ = ["Job", "Scheduler", "node_name"]

log = logging.getLogger("hearthwatch.scheduler")

OK, FAILED = "ok", "failed"
RETRY_AFTER = timedelta(minutes=5)


def node_name() -> str:
    """This process's name in leases: host, process id and a random part."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{new_id()[:8]}"


class Scheduler:
    """Runs the due jobs of `jobs`; `start()` does so in a thread until `stop()`."""

    def __init__(
        self,
        ctx: AppContext,
        jobs: Sequence[Job],
        *,
        node: str | None = None,
        poll: timedelta = timedelta(seconds=30),
    ) -> None:
        self.ctx, self.jobs, self.node = ctx, tuple(jobs), node or node_name()
        self.poll = poll
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self) -> list[str]:
        """Run, once, every job that is due and whose lease this node wins; returns their names."""
        self._declare()
        ran = []
        for job in self.jobs:
            if self._stop.is_set():
                break
            if self._claim(job):
                self._run(job)
                ran.append(job.name)
        return ran

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the job running now, if any, has finished."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due()
            except Exception:  # a database outage must not end the scheduler
                log.exception("scheduler pass failed")
            self._stop.wait(self.poll.total_seconds())

    def _declare(self) -> None:
        """Add state rows for jobs seen for the first time: due at once."""
        with self.ctx.db.session() as db:
            known = set(db.scalars(select(ScheduledJob.name)))
        for job in self.jobs:
            if job.name not in known:
                try:
                    with self.ctx.db.session() as db:
                        db.add(ScheduledJob(name=job.name, next_run_at=self.ctx.clock.now()))
                except IntegrityError:
                    pass  # another node declared it at the same moment

    def _claim(self, job: Job) -> bool:
        now = self.ctx.clock.now()
        free = or_(ScheduledJob.lease_owner.is_(None), ScheduledJob.lease_expires_at <= now)
        claim = (
            update(ScheduledJob)
            .where(ScheduledJob.name == job.name, ScheduledJob.next_run_at <= now, free)
            .values(lease_owner=self.node, lease_expires_at=now + job.lease)
        )
        with self.ctx.db.session() as db:
            return bool(db.execute(claim).rowcount)  # type: ignore[attr-defined]

    def _run(self, job: Job) -> None:
        started = self.ctx.clock.now()
        try:
            job.run(self.ctx)
        except Exception:
            log.exception("scheduled job failed", extra={"job": job.name})
            self._release(job, started, FAILED, started + min(job.interval, RETRY_AFTER))
            return
        self._release(job, started, OK, started + job.interval)

    def _release(self, job: Job, started: datetime, outcome: str, next_run: datetime) -> None:
        with self.ctx.db.session() as db:
            db.execute(
                update(ScheduledJob)
                .where(ScheduledJob.name == job.name, ScheduledJob.lease_owner == self.node)
                .values(
                    last_run_at=started,
                    last_outcome=outcome,
                    next_run_at=next_run,
                    lease_owner=None,
                    lease_expires_at=None,
                )
            )
        log.info("scheduled job ran", extra={"job": job.name, "outcome": outcome})
