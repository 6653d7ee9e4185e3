"""Retention enforced on a schedule: P33 (two years at most, inactive accounts warned then
erased), P34 (closed accounts erased after 6 months), P35 (session data), P36 (stored IPs)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from hearthwatch.accounts import signin
from hearthwatch.accounts.models import ApiToken, BrowserSession, OneTimeCode, User
from hearthwatch.context import AppContext, build_context
from hearthwatch.db.base import new_id
from hearthwatch.devices.models import Camera
from hearthwatch.errors import AccountLocked
from hearthwatch.jobs.models import ScheduledJob
from hearthwatch.jobs.scheduler import Job, Scheduler
from hearthwatch.media.models import Segment
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.audit.models import AuditEntry
from hearthwatch.privacy.datamap.service import PERSONAL_FIELDS
from hearthwatch.privacy.erasure import service as erasure
from hearthwatch.privacy.retention import service as retention
from hearthwatch.privacy.retention.closure import close_account
from hearthwatch.privacy.retention.ip import truncate_ip
from hearthwatch.privacy.retention.models import InactivityWarning
from hearthwatch.privacy.retention.rules import (
    SESSION_DATA_CEILING_DAYS,
    SESSION_TABLES,
    TWO_YEARS_DAYS,
    row_rules,
    unenforced,
)
from tests.conftest import STRONG_PASSWORD
from tests.factories import add_camera_with_a_segment, open_browser_session, row_exists
from tests.support.smtp import Mailbox

T0 = datetime(2030, 1, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def frozen(ctx: AppContext) -> Any:
    with ctx.clock.frozen(T0) as clock:
        yield clock


def actions(ctx: AppContext, actor: str = audit.SYSTEM) -> list[str]:
    with ctx.db.session() as db:
        return list(db.scalars(select(AuditEntry.action).where(AuditEntry.actor == actor)))


def log_in(ctx: AppContext, user: User) -> None:
    with ctx.db.session() as db:
        signin.login(ctx, db, email=user.email, password=STRONG_PASSWORD, totp_code=None,
                     ip_address="203.0.113.7", user_agent="test")  # fmt: skip


def test_every_declared_retention_is_enforced_and_within_the_promises() -> None:
    assert unenforced() == []
    assert {r.table for r in row_rules()} >= {"sessions", "one_time_codes"}
    for field in PERSONAL_FIELDS:
        if field.table in SESSION_TABLES:
            assert (field.retention.days or 0) <= SESSION_DATA_CEILING_DAYS  # P35
        if field.retention.anchor in ("sign-in", "code issue", "recording"):
            assert (field.retention.days or 0) <= TWO_YEARS_DAYS  # P33


def test_p34_closed_account_refuses_sign_in_and_ends_sessions(
    ctx: AppContext, make_user: Any, frozen: Any
) -> None:
    user = make_user()
    camera_id = add_camera_with_a_segment(ctx, user.id)
    with ctx.db.session() as db:
        opened = signin.open_session(ctx, db, user=user, ip_address=None, user_agent=None)
        close_account(ctx, db, user_id=user.id, actor=audit.actor_user(user.id))
    with pytest.raises(AccountLocked) as refused:
        log_in(ctx, user)
    assert refused.value.code == "auth.account_closed"
    with ctx.db.session() as db:
        assert signin.caller_from_session(ctx, db, opened.secret) is None
        assert db.get(Camera, camera_id).recording_mode == "off"  # type: ignore[union-attr]


def test_p34_closed_account_purged_after_six_months_and_not_before(
    ctx: AppContext, make_user: Any, frozen: Any, mailbox: Mailbox
) -> None:
    user, bystander = make_user(), make_user("bob@example.org")
    camera_id = add_camera_with_a_segment(ctx, user.id)
    with ctx.db.session() as db:
        close_account(ctx, db, user_id=user.id, actor=audit.actor_user(user.id))
    # Closed 1 January: kept six calendar months, until 1 July (181 days).
    frozen.advance(181 * DAY - timedelta(seconds=1))
    assert retention.sweep(ctx).closed_accounts_erased == 0
    assert row_exists(ctx, User, user.id) and row_exists(ctx, Camera, camera_id)
    frozen.advance(timedelta(seconds=1))
    assert retention.sweep(ctx).closed_accounts_erased == 1
    assert not row_exists(ctx, User, user.id) and not row_exists(ctx, Camera, camera_id)
    assert row_exists(ctx, User, bystander.id)
    with ctx.db.session() as db:
        assert db.scalars(select(Segment)).all() == []
    assert list(ctx.vault.blobs.keys(f"{user.id}/")) == []
    assert "retention.account_erased.closed" in actions(ctx)
    assert any("deleted" in str(m["Subject"]) for m in mailbox.to(user.email))


def test_p33_inactive_account_warned_at_23_months_then_erased_30_days_later(
    ctx: AppContext, make_user: Any, frozen: Any, mailbox: Mailbox
) -> None:
    user = make_user()
    frozen.advance(699 * DAY)
    assert retention.sweep(ctx).inactivity_warnings_sent == 0
    frozen.advance(2 * DAY)
    assert retention.sweep(ctx).inactivity_warnings_sent == 1
    (warning,) = mailbox.to(user.email)
    assert "will be deleted in 30 days" in str(warning["Subject"])
    assert retention.sweep(ctx).inactivity_warnings_sent == 0  # warned once
    frozen.advance(29 * DAY)
    assert retention.sweep(ctx).inactive_accounts_erased == 0
    frozen.advance(2 * DAY)
    assert retention.sweep(ctx).inactive_accounts_erased == 1
    assert not row_exists(ctx, User, user.id)
    assert "retention.account_erased.inactive" in actions(ctx)


def test_p33_sign_in_after_the_warning_cancels_the_deletion(
    ctx: AppContext, make_user: Any, frozen: Any
) -> None:
    user = make_user()
    frozen.advance(701 * DAY)
    retention.sweep(ctx)
    assert row_exists(ctx, InactivityWarning, user.id)
    frozen.advance(10 * DAY)
    log_in(ctx, user)
    frozen.advance(25 * DAY)
    report = retention.sweep(ctx)
    assert report.inactive_accounts_erased == 0 and row_exists(ctx, User, user.id)
    assert not row_exists(ctx, InactivityWarning, user.id)
    assert "retention.inactivity_cancelled" in actions(ctx)


def test_p33_api_use_counts_as_activity(ctx: AppContext, make_user: Any, frozen: Any) -> None:
    user = make_user()
    token = add_token(ctx, user)
    frozen.advance(650 * DAY)
    with ctx.db.session() as db:
        db.get(ApiToken, token).last_used_at = ctx.clock.now()  # type: ignore[union-attr]
    frozen.advance(100 * DAY)
    assert retention.sweep(ctx).inactivity_warnings_sent == 0


def add_token(ctx: AppContext, user: User, **state: Any) -> str:
    with ctx.db.session() as db:
        token = ApiToken(user_id=user.id, name="script", prefix="hwt_abcd",
                         secret_hash=new_id() + new_id(),
                         created_at=ctx.clock.now(), **state)  # fmt: skip
        db.add(token)
    return token.id


def test_p35_old_sessions_and_ended_tokens_purged_automatically(
    ctx: AppContext, make_user: Any, frozen: Any
) -> None:
    user = make_user()
    session_id = open_browser_session(ctx, user, ip_address=None, user_agent=None)
    ended = add_token(ctx, user, revoked_at=ctx.clock.now())
    working = add_token(ctx, user, last_used_at=ctx.clock.now())
    frozen.advance(60 * DAY)
    retention.sweep(ctx)
    assert row_exists(ctx, BrowserSession, session_id) and row_exists(ctx, ApiToken, ended)
    frozen.advance((SESSION_DATA_CEILING_DAYS - 60) * DAY)
    with ctx.db.session() as db:
        db.get(ApiToken, working).last_used_at = ctx.clock.now()  # type: ignore[union-attr]
    report = retention.sweep(ctx)
    assert report.deleted["sessions"] == 1 and report.deleted["api_tokens"] == 1
    assert not row_exists(ctx, BrowserSession, session_id) and not row_exists(ctx, ApiToken, ended)
    assert row_exists(ctx, ApiToken, working)
    assert {"retention.sessions", "retention.ended_tokens"} <= set(actions(ctx))


def test_expired_one_time_codes_deleted(ctx: AppContext, make_user: Any, frozen: Any) -> None:
    user = make_user()
    with ctx.db.session() as db:
        code = OneTimeCode(user_id=user.id, purpose="reset", code_hash="0" * 64,
                           created_at=T0, expires_at=T0 + timedelta(hours=1))  # fmt: skip
        db.add(code)
    frozen.advance(7 * DAY)
    retention.sweep(ctx)
    assert row_exists(ctx, OneTimeCode, code.id)
    frozen.advance(2 * DAY)
    assert retention.sweep(ctx).deleted["one_time_codes"] == 1
    assert not row_exists(ctx, OneTimeCode, code.id)


def test_p36_stored_ips_truncated_a_week_after_the_session(
    ctx: AppContext, make_user: Any, frozen: Any
) -> None:
    user = make_user()
    ids = []
    with ctx.db.session() as db:
        for ip in ("203.0.113.77", "2001:db8:1:2::5", "testclient"):
            ids.append(signin.open_session(ctx, db, user=user, ip_address=ip, user_agent="x"))
        live = signin.open_session(ctx, db, user=user, ip_address="198.51.100.9", user_agent="x")
        for opened in ids:
            opened.session.revoked_at = ctx.clock.now()
    frozen.advance(6 * DAY)
    assert retention.sweep(ctx).ips_truncated == 0
    frozen.advance(2 * DAY)
    assert retention.sweep(ctx).ips_truncated == 3
    with ctx.db.session() as db:
        stored = [db.get(BrowserSession, o.session.id).ip_address for o in ids]  # type: ignore[union-attr]
        assert db.get(BrowserSession, live.session.id).ip_address == "198.51.100.9"  # type: ignore[union-attr]
    assert stored == ["203.0.113.0/24", "2001:db8:1::/48", "unknown/0"]
    assert retention.sweep(ctx).ips_truncated == 0
    assert "retention.ip_truncated" in actions(ctx)


def test_ip_truncation() -> None:
    assert truncate_ip("10.1.2.3", v4=24, v6=48) == "10.1.2.0/24"
    assert truncate_ip("::ffff:1", v4=24, v6=48) == "::/48"


class Counter:
    def __init__(self, pause: float = 0.0) -> None:
        self.runs = 0
        self.pause = pause
        self.lock = threading.Lock()

    def __call__(self, ctx: AppContext) -> None:
        with self.lock:
            self.runs += 1
        threading.Event().wait(self.pause)  # real time: lets a racing node try meanwhile


def test_scheduler_survives_restart_and_runs_overdue_jobs_at_once(
    ctx: AppContext, frozen: Any
) -> None:
    counter = Counter()
    jobs = [Job("test.count", timedelta(hours=1), counter)]
    assert Scheduler(ctx, jobs, node="a").run_due() == ["test.count"]  # new job: due at once
    assert Scheduler(ctx, jobs, node="b").run_due() == []  # a restart remembers the last run
    frozen.advance(timedelta(hours=3))  # down for a while: overdue
    assert Scheduler(ctx, jobs, node="c").run_due() == ["test.count"]
    assert counter.runs == 2
    with ctx.db.session() as db:
        state = db.get(ScheduledJob, "test.count")
    assert state is not None and state.last_outcome == "ok" and state.lease_owner is None
    assert state.next_run_at == ctx.clock.now() + timedelta(hours=1)


def test_scheduler_lease_of_a_dead_node_expires(ctx: AppContext, frozen: Any) -> None:
    counter = Counter()
    jobs = [Job("test.count", timedelta(hours=1), counter, lease=timedelta(minutes=10))]
    dead = Scheduler(ctx, jobs, node="dead")
    dead.run_due()
    frozen.advance(timedelta(hours=2))
    dead._declare()
    assert dead._claim(jobs[0])  # took the lease, then died without running
    assert Scheduler(ctx, jobs, node="b").run_due() == []
    frozen.advance(timedelta(minutes=11))
    assert Scheduler(ctx, jobs, node="b").run_due() == ["test.count"]


def race(nodes: list[Scheduler]) -> list[list[str]]:
    """Let the nodes look for due jobs at the same moment, each from its own thread."""
    barrier = threading.Barrier(len(nodes))
    ran: list[list[str]] = []

    def run(node: Scheduler) -> None:
        barrier.wait()
        ran.append(node.run_due())

    threads = [threading.Thread(target=run, args=(n,)) for n in nodes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return ran


def test_scheduler_runs_a_job_once_across_two_nodes(ctx: AppContext, frozen: Any) -> None:
    other = build_context(ctx.settings)  # a second node: its own connections
    counter = Counter(pause=0.2)
    jobs = [Job("test.count", timedelta(hours=1), counter)]
    Scheduler(ctx, jobs, node="setup")._declare()
    try:
        for round_ in range(4):
            ran = race([Scheduler(ctx, jobs, node="a"), Scheduler(other, jobs, node="b")])
            assert sorted(len(r) for r in ran) == [0, 1]
            assert counter.runs == round_ + 1
            frozen.advance(timedelta(hours=1))
    finally:
        other.close()


def test_scheduler_starts_and_stops_cleanly(ctx: AppContext, frozen: Any) -> None:
    counter = Counter()
    scheduler = Scheduler(ctx, [Job("test.count", timedelta(hours=1), counter)],
                          poll=timedelta(milliseconds=10))  # fmt: skip
    scheduler.start()
    for _ in range(200):
        if counter.runs:
            break
        threading.Event().wait(0.01)
    scheduler.stop()
    assert counter.runs == 1
    assert scheduler._thread is not None and not scheduler._thread.is_alive()


def test_p34_an_account_that_cannot_be_erased_does_not_hold_up_the_others(
    ctx: AppContext, make_user: Any, frozen: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    stuck, other = make_user(), make_user("bob@example.org")
    with ctx.db.session() as db:
        for user in (stuck, other):
            close_account(ctx, db, user_id=user.id, actor=audit.SYSTEM)
    real = erasure.erase_account_data

    def failing(ctx: AppContext, db: Any, *, user: User) -> Any:
        if user.id == stuck.id:
            raise RuntimeError("disk full")
        return real(ctx, db, user=user)

    monkeypatch.setattr(erasure, "erase_account_data", failing)
    frozen.advance(200 * DAY)
    assert retention.sweep(ctx).closed_accounts_erased == 1
    assert row_exists(ctx, User, stuck.id) and not row_exists(ctx, User, other.id)
