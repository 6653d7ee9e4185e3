"""The runner: one per node, it runs the periodic jobs and works through the queue.

Where it runs (`server.py`): in the one serving process of `hearthwatch serve` and
`hearthwatch demo`, and in the supervising process when several API workers serve
(`--workers N`). That process serves no requests, so a long export build takes no API
worker's time, and a worker that dies and is restarted does not take the runner with it.
API workers and router lifespans never start background work: they only enqueue.

Each of `workers` threads claims one due job at a time (`queue.claim`), runs its handler
while a `LeaseKeeper` renews the lease, and records the outcome. A job whose runner died
is taken over by any runner once its lease has expired.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import timedelta

from hearthwatch.context import AppContext
from hearthwatch.jobs import queue
from hearthwatch.jobs.registry import Job, JobKind, Registry
from hearthwatch.jobs.scheduler import Scheduler, node_name

log = logging.getLogger("hearthwatch.jobs")

STOPPED_MID_RUN = "the runner stopped during the last attempt (its lease expired)"


class LeaseKeeper:
    """Renews a running job's lease every third of its length until stopped."""

    def __init__(self, ctx: AppContext, job_id: str, *, node: str, lease: timedelta) -> None:
        self.ctx, self.job_id, self.node, self.lease = ctx, job_id, node, lease
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="job-lease", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.lease.total_seconds() / 3):
            try:
                if not queue.renew(self.ctx, self.job_id, node=self.node, lease=self.lease):
                    log.warning("job lease lost to another runner", extra={"job": self.job_id})
                    self.lost.set()
                    return
            except Exception:  # a database hiccup: the next renewal may work
                log.exception("job lease renewal failed", extra={"job": self.job_id})


def execute(ctx: AppContext, job: queue.Claimed, kind: JobKind, *, node: str) -> str | None:
    """Run a claimed job's handler under a renewed lease; returns its new state."""
    if job.attempts > job.max_attempts:  # taken over after its last attempt died
        return queue.finish(ctx, job, kind, node=node, error=STOPPED_MID_RUN)
    error = None
    with LeaseKeeper(ctx, job.id, node=node, lease=kind.lease):
        try:
            kind.run(ctx, job.payload)
        except Exception as err:
            log.exception("job failed", extra={"job": job.id, "kind": job.kind})
            error = f"{type(err).__name__}: {err}"
    state = queue.finish(ctx, job, kind, node=node, error=error)
    log.info("job ran", extra={"job": job.id, "kind": job.kind, "state": state})
    return state


class Runner:
    """Runs `periodic` jobs and queued jobs of `kinds`; `start()` in threads until `stop()`."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        periodic: Sequence[Job],
        kinds: Registry,
        node: str | None = None,
        workers: int = 2,
        poll: timedelta = timedelta(seconds=1),
    ) -> None:
        # Every model, so that the job table's foreign keys resolve in a process that has
        # not loaded the app (a supervising parent, a command).
        import hearthwatch.models  # noqa: F401

        self.ctx, self.node = ctx, node or node_name()
        self.kinds = kinds
        jobs = tuple(periodic)
        self.scheduler = Scheduler(ctx, jobs, node=self.node) if jobs else None
        self.poll, self.workers = poll, workers
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._starter: threading.Thread | None = None

    def run_one(self) -> str | None:
        """Claim and run one due job; returns its id, or None when nothing was due."""
        job = queue.claim(self.ctx, self.kinds, node=self.node)
        if job is None:
            return None
        execute(self.ctx, job, self.kinds.get(job.kind), node=self.node)
        return job.id

    def run_pending(self) -> list[str]:
        """Run queued jobs until none is due (tests, commands); returns their ids."""
        ran = []
        while not self._stop.is_set() and (job_id := self.run_one()) is not None:
            ran.append(job_id)
        return ran

    def start(self, *, after: timedelta = timedelta(0)) -> None:
        """Start the scheduler and the queue's threads, at once or `after` a while (a
        starting server answers its first requests before overdue jobs compete for them)."""
        if after > timedelta(0):
            self._starter = threading.Thread(
                target=self._start_after, args=(after,), name="jobs-start", daemon=True
            )
            self._starter.start()
        else:
            self._start_now()

    def _start_after(self, after: timedelta) -> None:
        if not self._stop.wait(after.total_seconds()):
            self._start_now()

    def _start_now(self) -> None:
        if self.scheduler is not None:
            self.scheduler.start()
        for index in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"jobs-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the jobs running now have finished (a job still running past
        `timeout` is left to its lease: another runner takes it over)."""
        self._stop.set()
        if self._starter is not None:
            self._starter.join(timeout)  # a delayed start has either happened or never will
        if self.scheduler is not None:
            self.scheduler.stop(timeout)
        for thread in self._threads:
            thread.join(timeout)

    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                if self.run_one() is not None:
                    continue
            except Exception:  # a database outage must not end the runner
                log.exception("job runner pass failed")
            self._stop.wait(self.poll.total_seconds())


def run_now(ctx: AppContext, dedupe_key: str, *, kinds: Registry) -> bool:
    """Run the live job holding `dedupe_key` in this thread, due or not, if no other runner
    holds it; True when it ran to completion here.

    For work a request wants done at once (an erasure's files) while the queue keeps it
    safe: if this process dies, a runner finishes the job once its lease expires."""
    registry = kinds
    with ctx.db.session() as db:
        job_id = queue.live_job(db, dedupe_key)
    if job_id is None:
        return False
    node = node_name()
    job = queue.claim(ctx, registry, node=node, job_id=job_id)
    if job is None:
        return False
    return execute(ctx, job, registry.get(job.kind), node=node) == "done"
