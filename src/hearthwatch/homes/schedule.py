"""The arming schedule in time: when an entry fires, and the periodic job that applies it.

An entry fires once on each chosen weekday, at its local time in the home's time zone. Each
local date gives exactly one moment (`fires_at`): a local time the clock skips in spring
is read with the offset before the change (02:30 fires at 03:30, once), a time that
happens twice in autumn fires the first time round. So a clock change neither skips an
entry nor fires it twice.

The job (every minute) looks, per home, at the moments after the home's mark
(`schedule_checked_at`) up to now, switches the home to the mode of the latest entry due
there, and moves the mark to now in the same transaction with a conditional UPDATE. Hence
a restart applies what came due while the node was down (the latest entry only, as the
home would be now), a second run or a second node finds nothing left to do, and an entry
never overrides a change the person made after the entry's moment.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.homes.models import BY_SCHEDULE, ArmingSchedule, Home
from hearthwatch.homes.service import schedules_of, set_mode
from hearthwatch.jobs.registry import Job

log = logging.getLogger("hearthwatch.homes")

JOB_NAME = "homes.arming_schedule"
# A week and a day: enough to find the latest entry of any weekly pattern after downtime.
LOOKBACK = timedelta(days=8)


@dataclass(frozen=True)
class Due:
    """The entry that decides the home's mode now, and the moment it fired."""

    schedule: ArmingSchedule
    moment: datetime


def zone_of(home: Home) -> tzinfo:
    """The home's time zone (UTC if the stored name is no longer known to this server)."""
    try:
        return ZoneInfo(home.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def fires_at(day: date, at: str, zone: tzinfo) -> datetime:
    """The one UTC moment an entry at local `at` ("HH:MM") fires on local date `day`."""
    hours, minutes = (int(part) for part in at.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=zone).astimezone(UTC)


def latest_due(
    schedules: list[ArmingSchedule], zone: tzinfo, *, after: datetime, until: datetime
) -> Due | None:
    """The latest moment in (`after`, `until`] at which an enabled entry fired (an entry
    never fires for a moment before it was made); of two at once, the newer entry's."""
    fired = [
        Due(schedule, moment)
        for day in _local_dates(zone, after, until)
        for schedule in schedules
        if schedule.enabled and schedule.days & (1 << day.weekday())
        for moment in (fires_at(day, schedule.at, zone),)
        if after < moment <= until and moment > schedule.created_at
    ]
    return max(fired, key=lambda due: (due.moment, due.schedule.created_at), default=None)


def _local_dates(zone: tzinfo, after: datetime, until: datetime) -> list[date]:
    """Every local date whose entries may fire in (`after`, `until`], a day early to spare."""
    first = after.astimezone(zone).date() - timedelta(days=1)
    days = (until.astimezone(zone).date() - first).days
    return [first + timedelta(days=n) for n in range(days + 1)]


def apply_home(db: Session, home: Home, now: datetime) -> bool:
    """Apply the home's entries due since its mark; True if the mode was switched."""
    mark = home.schedule_checked_at
    if now <= mark:
        return False
    claimed = db.execute(
        update(Home)
        .where(Home.id == home.id, Home.schedule_checked_at == mark)
        .values(schedule_checked_at=now)
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return False  # another run took this home's turn
    due = latest_due(schedules_of(db, home), zone_of(home), after=max(mark, now - LOOKBACK),
                     until=now)  # fmt: skip
    if due is None or due.moment <= home.mode_changed_at or home.arming_mode == due.schedule.mode:
        return False
    set_mode(db, home, mode=due.schedule.mode, by=BY_SCHEDULE, now=now)
    return True


def apply_due_schedules(ctx: AppContext) -> int:
    """The periodic job: every home with a schedule gets its due entry; returns how many
    homes switched mode. Each home is its own transaction."""
    now = ctx.clock.now()
    with ctx.db.session() as db:
        home_ids = list(db.scalars(select(ArmingSchedule.home_id).distinct()))
    switched = 0
    for home_id in home_ids:
        with ctx.db.session() as db:
            home = db.get(Home, home_id)
            if home is not None and apply_home(db, home, now):
                switched += 1
                log.info("arming mode switched by schedule", extra={"home": home_id})
    return switched


ARMING_SCHEDULE_JOB = Job(JOB_NAME, timedelta(minutes=1), apply_due_schedules)
