"""Homes and arming: the account's home (made when first needed), its arming mode, which
cameras alert in each mode, and the entries of its weekly schedule.

Every change names who made it (`mode_changed_by`: the user's id, or "schedule"). Cameras
are named through the resolver, so a camera of anyone else is refused exactly as a missing
one (`camera.not_found`). The schedule's timing lives in `homes/schedule.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import available_timezones

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hearthwatch.access.principal import owner
from hearthwatch.access.resolver import Action, authorize, visible_cameras
from hearthwatch.errors import Conflict, ValidationFailed
from hearthwatch.homes.models import (
    DEFAULT_NAME,
    DEFAULT_TIMEZONE,
    FIRST_MODE,
    MODE_DEFAULTS,
    MODES,
    ArmingSchedule,
    Home,
    HomeModeCamera,
)

MAX_SCHEDULES = 50
ALL_DAYS = 0b111_1111  # Monday (1) to Sunday (64)
LOCAL_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


@dataclass(frozen=True)
class ScheduleEntry:
    """One entry of a home's weekly schedule, as asked for (checked by `add_schedule`)."""

    days: int
    at: str
    mode: str
    enabled: bool = True


def find_home(db: Session, owner_id: str) -> Home | None:
    """The account's home, if it has one yet."""
    return db.scalars(select(Home).where(Home.owner_id == owner_id)).first()


def home_of(db: Session, *, user_id: str, now: datetime) -> Home:
    """The account's home, made ("My home", Away, UTC) the first time it is needed."""
    found = find_home(db, user_id)
    if found is not None:
        return found
    home = Home(
        owner_id=user_id, name=DEFAULT_NAME, timezone=DEFAULT_TIMEZONE, arming_mode=FIRST_MODE,
        mode_changed_at=now, mode_changed_by=user_id, created_at=now, schedule_checked_at=now,
    )  # fmt: skip
    try:
        with db.begin_nested():
            db.add(home)
    except IntegrityError:  # another request made it at the same moment
        made = find_home(db, user_id)
        assert made is not None
        return made
    return home


def check_mode(mode: str) -> str:
    """`mode` if it is one of Home, Away, Night, Off; `homes.mode_unknown` otherwise."""
    if mode not in MODES:
        raise ValidationFailed(
            f"The arming mode must be one of {', '.join(MODES)}.", code="homes.mode_unknown"
        )
    return mode


@cache
def known_zones() -> frozenset[str]:
    """The IANA time zones this server knows (read from its time zone database once)."""
    return frozenset(available_timezones())


def check_timezone(name: str) -> str:
    """`name` if it is an IANA time zone this server knows; `homes.timezone_unknown` otherwise.
    Looked up in the list rather than opened, so no odd name reaches the file system."""
    if name not in known_zones():
        raise ValidationFailed(
            "Choose a time zone such as Europe/Berlin.", code="homes.timezone_unknown"
        )
    return name


def set_mode(db: Session, home: Home, *, mode: str, by: str, now: datetime) -> Home:
    """Arm the home in `mode`, recording who (`by`) and when; the same mode again is a no-op."""
    check_mode(mode)
    if home.arming_mode != mode:
        home.arming_mode, home.mode_changed_at, home.mode_changed_by = mode, now, by
        db.flush()
    return home


def update_home(db: Session, home: Home, *, name: str | None, timezone: str | None) -> Home:
    """Rename the home or move it to another time zone (schedules then follow that zone)."""
    if timezone is not None:
        home.timezone = check_timezone(timezone)
    if name is not None:
        home.name = name
    db.flush()
    return home


def mode_cameras(db: Session, home: Home) -> dict[str, list[str]]:
    """Per mode, the ids of the home's cameras that alert in it (in the order added)."""
    cameras = [c.id for c in visible_cameras(db, owner(home.owner_id))]
    chosen = {
        (row.mode, row.camera_id): row.alerts
        for row in db.scalars(select(HomeModeCamera).where(HomeModeCamera.home_id == home.id))
    }
    return {
        mode: [c for c in cameras if chosen.get((mode, c), MODE_DEFAULTS[mode])] for mode in MODES
    }


def choose_cameras(
    db: Session, home: Home, *, user_id: str, mode: str, camera_ids: list[str]
) -> dict[str, list[str]]:
    """Make exactly `camera_ids` alert in `mode`; every one must be a camera the user may
    configure (anyone else's is `camera.not_found`, as a missing one)."""
    check_mode(mode)
    chosen = set(camera_ids)
    for camera_id in chosen:
        authorize(db, user_id=user_id, camera_id=camera_id, action=Action.CONFIGURE)
    db.execute(
        delete(HomeModeCamera).where(HomeModeCamera.home_id == home.id, HomeModeCamera.mode == mode)
    )
    for camera in visible_cameras(db, owner(home.owner_id)):
        db.add(HomeModeCamera(home_id=home.id, mode=mode, camera_id=camera.id,
                              alerts=camera.id in chosen))  # fmt: skip
    db.flush()
    return mode_cameras(db, home)


def schedules_of(db: Session, home: Home) -> list[ArmingSchedule]:
    """The home's schedule entries by time of day."""
    query = select(ArmingSchedule).where(ArmingSchedule.home_id == home.id)
    return list(db.scalars(query.order_by(ArmingSchedule.at, ArmingSchedule.created_at)))


def add_schedule(db: Session, home: Home, entry: ScheduleEntry, *, now: datetime) -> ArmingSchedule:
    """Add an entry: switch to `mode` at local `at` ("HH:MM") on the weekdays in `days`.
    It first fires at its next local time after now (never for a moment already past)."""
    _check_entry(entry)
    count = db.scalar(
        select(func.count()).select_from(ArmingSchedule).where(ArmingSchedule.home_id == home.id)
    )
    if (count or 0) >= MAX_SCHEDULES:
        raise Conflict(
            f"A home can have at most {MAX_SCHEDULES} schedule entries.",
            code="homes.too_many_schedules",
        )
    schedule = ArmingSchedule(
        home_id=home.id, days=entry.days, at=entry.at, mode=entry.mode, enabled=entry.enabled,
        created_at=now,
    )  # fmt: skip
    db.add(schedule)
    db.flush()
    return schedule


def _check_entry(entry: ScheduleEntry) -> None:
    check_mode(entry.mode)
    if not 0 < entry.days <= ALL_DAYS:
        raise ValidationFailed(
            "Choose at least one day of the week.", code="homes.schedule_days_invalid"
        )
    if not LOCAL_TIME.match(entry.at):
        raise ValidationFailed(
            "Give the time as HH:MM, from 00:00 to 23:59.", code="homes.schedule_time_invalid"
        )


def remove_schedule(db: Session, schedule: ArmingSchedule) -> None:
    """Delete one schedule entry (already authorised through the resolver)."""
    db.delete(schedule)
    db.flush()
