"""Issue 14 item 6: the arming schedule switches a home's mode at local times, once per
entry and day, across clock changes, after downtime, and never over a later change by hand;
the periodic job is the node's (`jobs/catalog.py`) and applies a due entry once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.homes import service
from hearthwatch.homes.models import BY_SCHEDULE, Home
from hearthwatch.homes.schedule import ARMING_SCHEDULE_JOB, apply_due_schedules, fires_at
from hearthwatch.jobs.catalog import periodic_jobs
from hearthwatch.jobs.scheduler import Scheduler

BERLIN = ZoneInfo("Europe/Berlin")
EVERY_DAY = 0b111_1111
# Europe's clocks: forward at 01:00 UTC on 29 March 2026 (02:00 CET becomes 03:00 CEST),
# back at 01:00 UTC on 25 October 2026 (03:00 CEST becomes 02:00 CET: 02:30 happens twice).
SPRING_EVE = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)
AUTUMN_EVE = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)


@pytest.fixture
def owner(make_user: Any) -> User:
    user: User = make_user()
    return user


@pytest.fixture
def clock(ctx: AppContext) -> Iterator[Any]:
    with ctx.clock.frozen(SPRING_EVE) as frozen:
        yield frozen


def berlin_home(ctx: AppContext, owner: User, *entries: tuple[str, str, int]) -> str:
    """The owner's home in Berlin, at Home, with schedule entries (at, mode, days)."""
    now = ctx.clock.now()
    with ctx.db.session() as db:
        home = service.home_of(db, user_id=owner.id, now=now)
        service.update_home(db, home, name=None, timezone="Europe/Berlin")
        service.set_mode(db, home, mode="home", by=owner.id, now=now)
        for at, mode, days in entries:
            service.add_schedule(db, home, service.ScheduleEntry(days, at, mode), now=now)
        return home.id


def state(ctx: AppContext, home_id: str) -> tuple[str, str, datetime]:
    with ctx.db.session() as db:
        home = db.get(Home, home_id)
        assert home is not None
        return home.arming_mode, home.mode_changed_by, home.mode_changed_at


def set_by_hand(ctx: AppContext, owner: User, mode: str) -> None:
    with ctx.db.session() as db:
        home = service.home_of(db, user_id=owner.id, now=ctx.clock.now())
        service.set_mode(db, home, mode=mode, by=owner.id, now=ctx.clock.now())


def run_every(ctx: AppContext, clock: Any, step: timedelta, until: datetime) -> list[datetime]:
    """Run the job every `step` up to `until`; the moments at which it switched a home."""
    switched = []
    while ctx.clock.now() < until:
        clock.advance(step)
        if apply_due_schedules(ctx):
            switched.append(ctx.clock.now())
    return switched


def test_issue14_item6_each_local_date_gives_one_moment_across_clock_changes() -> None:
    # A time the clock skips fires as much later as the clock jumped (03:30 CEST).
    assert fires_at(SPRING_EVE.date() + timedelta(days=1), "02:30", BERLIN) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )
    # A time that happens twice fires the first time round (still summer time).
    assert fires_at(AUTUMN_EVE.date() + timedelta(days=1), "02:30", BERLIN) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )
    assert fires_at(AUTUMN_EVE.date(), "22:00", BERLIN) == datetime(2026, 10, 24, 20, 0, tzinfo=UTC)


def test_issue14_item6_an_entry_in_the_skipped_hour_fires_once_in_spring(
    ctx: AppContext, owner: User, clock: Any
) -> None:
    home_id = berlin_home(ctx, owner, ("02:30", "night", EVERY_DAY))
    switched = run_every(ctx, clock, timedelta(minutes=10), SPRING_EVE + timedelta(hours=12))
    assert switched == [datetime(2026, 3, 29, 1, 30, tzinfo=UTC)]
    assert state(ctx, home_id)[:2] == ("night", BY_SCHEDULE)


def test_issue14_item6_an_entry_in_the_repeated_hour_fires_once_in_autumn(
    ctx: AppContext, owner: User
) -> None:
    with ctx.clock.frozen(AUTUMN_EVE) as clock:
        home_id = berlin_home(ctx, owner, ("02:30", "night", EVERY_DAY))
        switched = run_every(
            ctx, clock, timedelta(minutes=10), datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
        )
        assert switched == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC)]
        set_by_hand(ctx, owner, "home")  # up at 02:00 CET; 02:30 comes round again
        assert run_every(ctx, clock, timedelta(minutes=10), AUTUMN_EVE + timedelta(hours=20)) == []
        assert state(ctx, home_id)[0] == "home"


def test_issue14_item6_after_downtime_the_latest_due_entry_applies_once(
    ctx: AppContext, owner: User, clock: Any
) -> None:
    weekdays = 0b001_1111
    home_id = berlin_home(ctx, owner, ("22:00", "night", EVERY_DAY), ("08:00", "away", weekdays))
    apply_due_schedules(ctx)  # 21:00 on Saturday in Berlin: nothing due yet
    clock.advance(timedelta(days=2, hours=12))  # down until Tuesday 10:00 (summer time)
    assert apply_due_schedules(ctx) == 1
    mode, by, at = state(ctx, home_id)
    assert (mode, by, at) == ("away", BY_SCHEDULE, ctx.clock.now())
    assert apply_due_schedules(ctx) == 0  # a second run (or node) finds nothing left


def test_issue14_item6_a_change_by_hand_after_the_entry_is_kept(
    ctx: AppContext, owner: User, clock: Any
) -> None:
    home_id = berlin_home(ctx, owner, ("21:30", "night", EVERY_DAY))
    clock.advance(timedelta(minutes=40))  # 21:40 in Berlin: due, but the job has not run
    set_by_hand(ctx, owner, "off")
    clock.advance(timedelta(minutes=1))
    assert apply_due_schedules(ctx) == 0
    assert state(ctx, home_id)[:2] == ("off", owner.id)


def test_issue14_item6_an_entry_does_not_fire_for_a_moment_before_it_was_made(
    ctx: AppContext, owner: User, clock: Any
) -> None:
    home_id = berlin_home(ctx, owner, ("20:00", "night", EVERY_DAY))  # made at 21:00 local
    assert run_every(ctx, clock, timedelta(hours=1), SPRING_EVE + timedelta(hours=20)) == []
    clock.advance(timedelta(hours=3))  # Sunday 21:00 CEST: its 20:00 has come
    assert apply_due_schedules(ctx) == 1
    assert state(ctx, home_id)[0] == "night"


def test_issue14_item6_disabled_entries_and_other_weekdays_do_not_fire(
    ctx: AppContext, owner: User, clock: Any
) -> None:
    monday = 0b000_0001
    now = ctx.clock.now()
    home_id = berlin_home(ctx, owner, ("23:00", "night", monday))  # Saturday: not today
    with ctx.db.session() as db:
        home = db.get(Home, home_id)
        assert home is not None
        entry = service.ScheduleEntry(EVERY_DAY, "23:30", "off", enabled=False)
        service.add_schedule(db, home, entry, now=now)
    assert run_every(ctx, clock, timedelta(minutes=30), SPRING_EVE + timedelta(hours=6)) == []
    assert state(ctx, home_id)[0] == "home"


def test_issue14_item6_the_nodes_periodic_job_applies_a_due_entry_once(
    ctx: AppContext, owner: User, clock: Any
) -> None:
    assert ARMING_SCHEDULE_JOB in periodic_jobs(ctx.settings)
    assert ARMING_SCHEDULE_JOB.interval == timedelta(minutes=1)
    home_id = berlin_home(ctx, owner, ("21:05", "away", EVERY_DAY))
    scheduler = Scheduler(ctx, [ARMING_SCHEDULE_JOB], node="test-node")
    assert scheduler.run_due() == [ARMING_SCHEDULE_JOB.name]
    assert state(ctx, home_id)[0] == "home"
    clock.advance(timedelta(minutes=6))
    assert scheduler.run_due() == [ARMING_SCHEDULE_JOB.name]
    assert state(ctx, home_id)[:2] == ("away", BY_SCHEDULE)
    assert scheduler.run_due() == []  # not due again within the minute
