"""Issue 13 item 1: one durable queue for background work, claimed with leases."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from hearthwatch.clock import Clock
from hearthwatch.context import AppContext, build_context
from hearthwatch.jobs import queue
from hearthwatch.jobs.models import DONE, FAILED, QUEUED, RUNNING, QueuedJob
from hearthwatch.jobs.registry import JobKind, Registry, UnknownJobKind
from hearthwatch.jobs.runner import Runner, run_now
from tests.jobs.support import Failing, Ledger

RECORD = "test.record"


@pytest.fixture
def frozen(ctx: AppContext) -> Iterator[Clock]:
    with ctx.clock.frozen(datetime(2026, 12, 1, 9, 0, tzinfo=UTC)) as clock:
        yield clock


def add(ctx: AppContext, kind: JobKind, n: int, **options: object) -> str:
    with ctx.db.session() as db:
        return queue.enqueue(db, kind, {"n": n}, now=ctx.clock.now(), **options)  # type: ignore[arg-type]


def row(ctx: AppContext, job_id: str) -> QueuedJob:
    with ctx.db.session() as db:
        job = db.get(QueuedJob, job_id)
        assert job is not None
        db.expunge(job)
        return job


def runner_for(ctx: AppContext, *kinds: JobKind, node: str = "n1") -> Runner:
    return Runner(ctx, periodic=(), kinds=Registry(kinds), node=node)


def test_issue13_item1_enqueue_claim_complete(ctx: AppContext, frozen: Clock) -> None:
    ledger = Ledger()
    kind = JobKind(RECORD, ledger)
    job_id = add(ctx, kind, 1)
    assert row(ctx, job_id).state == QUEUED
    assert runner_for(ctx, kind).run_pending() == [job_id]
    done = row(ctx, job_id)
    assert (done.state, done.attempts, done.lease_owner) == (DONE, 1, None)
    assert done.finished_at == frozen.now() and ledger.runs == {"1": 1}
    assert runner_for(ctx, kind).run_one() is None


def test_issue13_item1_a_job_waits_for_its_time(ctx: AppContext, frozen: Clock) -> None:
    kind = JobKind(RECORD, Ledger())
    job_id = add(ctx, kind, 1, run_after=frozen.now() + timedelta(minutes=5))
    runner = runner_for(ctx, kind)
    assert runner.run_one() is None
    frozen.advance(timedelta(minutes=5))
    assert runner.run_one() == job_id


def test_issue13_item1_a_dedupe_key_queues_the_work_once_at_a_time(
    ctx: AppContext, frozen: Clock
) -> None:
    kind = JobKind(RECORD, Ledger())
    first = add(ctx, kind, 1, dedupe_key="camera:1")
    assert add(ctx, kind, 2, dedupe_key="camera:1") == first
    runner_for(ctx, kind).run_pending()
    again = add(ctx, kind, 3, dedupe_key="camera:1")  # the first one ended: a new job
    assert again != first and row(ctx, again).state == QUEUED


def test_issue13_item1_retries_with_exponential_back_off_then_fails(
    ctx: AppContext, frozen: Clock
) -> None:
    failing = Failing()
    kind = JobKind(RECORD, failing, max_attempts=3, backoff=timedelta(seconds=10))
    job_id = add(ctx, kind, 1, dedupe_key="flaky")
    runner = runner_for(ctx, kind)
    assert runner.run_one() == job_id
    retried = row(ctx, job_id)
    assert (retried.state, retried.attempts) == (QUEUED, 1)
    assert retried.run_after == frozen.now() + timedelta(seconds=10)
    assert retried.last_error == "RuntimeError: camera offline (try 1)"
    frozen.advance(timedelta(seconds=10))
    assert runner.run_one() == job_id
    assert row(ctx, job_id).run_after == frozen.now() + timedelta(seconds=20)  # doubled
    frozen.advance(timedelta(seconds=19))
    assert runner.run_one() is None
    frozen.advance(timedelta(seconds=1))
    assert runner.run_one() == job_id
    failed = row(ctx, job_id)
    assert (failed.state, failed.attempts, failed.dedupe_key) == (FAILED, 3, None)
    assert failed.last_error == "RuntimeError: camera offline (try 3)"
    frozen.advance(timedelta(days=1))
    assert runner.run_one() is None and failing.calls == 3


def test_issue13_item1_back_off_is_capped() -> None:
    kind = JobKind(RECORD, Ledger(), backoff=timedelta(minutes=1), max_backoff=timedelta(hours=1))
    assert [kind.delay(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert kind.delay(20) == timedelta(hours=1)


def test_issue13_item1_two_runners_never_run_the_same_job(ctx: AppContext) -> None:
    """Two nodes (their own connections), two threads each, racing for 40 jobs: on SQLite
    by compare-and-set, on PostgreSQL (--db=postgresql) by FOR UPDATE SKIP LOCKED."""
    ledger = Ledger(pause=0.005)
    kind = JobKind(RECORD, ledger)
    ids = {add(ctx, kind, n) for n in range(40)}
    other = build_context(ctx.settings)
    try:
        nodes = [(c, f"{c is ctx}-{i}") for c in (ctx, other) for i in (1, 2)]
        runners = [runner_for(c, kind, node=name) for c, name in nodes]
        barrier = threading.Barrier(len(runners))
        ran: list[list[str]] = []

        def work(runner: Runner) -> None:
            barrier.wait()
            ran.append(runner.run_pending())

        threads = [threading.Thread(target=work, args=(r,)) for r in runners]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        other.close()
    everything = [job_id for part in ran for job_id in part]
    assert sorted(everything) == sorted(ids)  # each claimed by exactly one runner
    assert set(ledger.runs.values()) == {1} and len(ledger.runs) == 40
    assert all(row(ctx, job_id).state == DONE for job_id in ids)


def test_issue13_item1_a_running_job_keeps_its_lease_while_it_runs(ctx: AppContext) -> None:
    """The lease (0.6 s) is shorter than the job (1.5 s): renewals keep other runners off."""
    started, release = threading.Event(), threading.Event()

    def slow(ctx: AppContext, payload: object) -> None:
        started.set()
        release.wait(1.5)

    kind = JobKind(RECORD, slow, lease=timedelta(seconds=0.6))
    job_id = add(ctx, kind, 1)
    holder = threading.Thread(target=runner_for(ctx, kind, node="holder").run_one)
    holder.start()
    assert started.wait(10)
    rival = runner_for(ctx, kind, node="rival")
    while holder.is_alive():
        assert rival.run_one() is None
        threading.Event().wait(0.1)
    holder.join()
    assert row(ctx, job_id).state == DONE and row(ctx, job_id).attempts == 1


def test_issue13_item1_an_unrenewed_lease_is_taken_over(ctx: AppContext, frozen: Clock) -> None:
    """A runner that claimed a job and stopped renewing (it died): once the lease is over,
    another runner runs the job, and the dead one's late outcome is ignored."""
    ledger = Ledger()
    kind = JobKind(RECORD, ledger, lease=timedelta(minutes=2))
    job_id = add(ctx, kind, 1)
    dead = queue.claim(ctx, Registry([kind]), node="dead")
    assert dead is not None and row(ctx, job_id).state == RUNNING
    survivor = runner_for(ctx, kind, node="survivor")
    assert survivor.run_one() is None
    frozen.advance(timedelta(minutes=2))
    assert survivor.run_one() == job_id
    assert queue.finish(ctx, dead, kind, node="dead", error="late") is None
    finished = row(ctx, job_id)
    assert (finished.state, finished.attempts, finished.last_error) == (DONE, 2, None)
    assert ledger.runs == {"1": 1}


def test_issue13_item1_a_job_dead_on_its_last_attempt_fails(ctx: AppContext, frozen: Clock) -> None:
    kind = JobKind(RECORD, Ledger(), max_attempts=1, lease=timedelta(minutes=1))
    job_id = add(ctx, kind, 1)
    assert queue.claim(ctx, Registry([kind]), node="dead") is not None
    frozen.advance(timedelta(minutes=1))
    assert runner_for(ctx, kind).run_one() == job_id
    failed = row(ctx, job_id)
    assert failed.state == FAILED and "lease expired" in (failed.last_error or "")


def test_issue13_item1_run_now_takes_a_job_before_its_time_once(
    ctx: AppContext, frozen: Clock
) -> None:
    ledger = Ledger()
    kind = JobKind(RECORD, ledger)
    add(ctx, kind, 1, run_after=frozen.now() + timedelta(hours=1), dedupe_key="now")
    assert run_now(ctx, "now", kinds=Registry([kind]))
    assert not run_now(ctx, "now", kinds=Registry([kind]))  # done: nothing to run
    assert ledger.runs == {"1": 1}


def test_issue13_item1_registry_refuses_unknown_and_twice_registered_kinds() -> None:
    kind = JobKind(RECORD, Ledger())
    registry = Registry([kind])
    with pytest.raises(UnknownJobKind):
        registry.get("test.missing")
    with pytest.raises(ValueError, match="twice"):
        registry.register(kind)


def test_issue13_item1_ended_jobs_are_purged(ctx: AppContext, frozen: Clock) -> None:
    kind = JobKind(RECORD, Ledger())
    job_id = add(ctx, kind, 1)
    runner_for(ctx, kind).run_pending()
    assert queue.purge(ctx, done_after=timedelta(days=7), failed_after=timedelta(days=30)) == 0
    frozen.advance(timedelta(days=8))
    assert queue.purge(ctx, done_after=timedelta(days=7), failed_after=timedelta(days=30)) == 1
    with ctx.db.session() as db:
        assert db.get(QueuedJob, job_id) is None
