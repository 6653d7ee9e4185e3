"""Issue 13 item 1: a runner killed mid-job (SIGKILL) loses the job when its lease ends,
and another runner finishes it; run on SQLite and, with --db=postgresql, on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from hearthwatch.context import AppContext
from hearthwatch.jobs import queue
from hearthwatch.jobs.models import DONE, RUNNING, QueuedJob
from hearthwatch.jobs.registry import JobKind, Registry
from hearthwatch.jobs.runner import Runner
from tests.jobs.support import HANG, HANG_LEASE, Ledger

ROOT = Path(__file__).resolve().parents[2]


def wait_until(predicate: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def state(ctx: AppContext, job_id: str) -> QueuedJob:
    with ctx.db.session() as db:
        job = db.get(QueuedJob, job_id)
        assert job is not None
        db.expunge(job)
        return job


def test_issue13_item1_a_killed_runners_job_is_finished_by_another(
    ctx: AppContext, tmp_path: Path
) -> None:
    ledger = Ledger()
    kind = JobKind(HANG, ledger, max_attempts=3, lease=HANG_LEASE)
    with ctx.db.session() as db:
        job_id = queue.enqueue(db, kind, {"n": 1}, now=ctx.clock.now())
    marker = tmp_path / "started"
    doomed = subprocess.Popen(
        [sys.executable, "-m", "tests.jobs.support", ctx.settings.resolved_database_url,
         str(ctx.settings.data_dir), str(marker)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        wait_until(marker.exists, timeout=60)
        held = state(ctx, job_id)
        assert (held.state, held.lease_owner, held.attempts) == (RUNNING, "doomed-runner", 1)
        os.kill(doomed.pid, signal.SIGKILL)
        assert doomed.wait(10) == -signal.SIGKILL
    finally:
        if doomed.poll() is None:
            doomed.kill()
            doomed.wait()
    survivor = Runner(ctx, periodic=(), kinds=Registry([kind]), node="survivor")
    assert survivor.run_one() is None  # the dead runner's lease still holds
    wait_until(lambda: survivor.run_one() == job_id, timeout=HANG_LEASE.total_seconds() * 5)
    finished = state(ctx, job_id)
    assert (finished.state, finished.attempts, finished.lease_owner) == (DONE, 2, None)
    assert ledger.runs == {"1": 1}
