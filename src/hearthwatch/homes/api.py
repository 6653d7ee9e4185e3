"""`/api/v1/homes/current`: the caller's home, its arming mode (Home, Away, Night, Off), which
cameras alert in each mode, and the schedule that switches modes (issue 14 item 6).

"current" is the caller's own home, made when first asked for; issue 15 adds homes shared
with others, addressed by id beside it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status
from sqlalchemy.orm import Session

from hearthwatch.access.resolver import Action, Kind
from hearthwatch.api.deps import ContextDep, CurrentUser, DbDep, authorized
from hearthwatch.homes import service
from hearthwatch.homes.models import ArmingSchedule, Home
from hearthwatch.homes.schemas import (
    HomePublic,
    HomeUpdate,
    ModeCamerasIn,
    ModeIn,
    ScheduleIn,
    SchedulePublic,
    days_mask,
)

router = APIRouter(prefix="/homes", tags=["homes"])

# The path's schedule entry, loaded through the resolver: anyone else's is a missing one.
OwnSchedule = Annotated[
    ArmingSchedule, authorized(Kind.ARMING_SCHEDULE, Action.CHANGE, param="schedule_id")
]


def public(db: Session, home: Home) -> HomePublic:
    return HomePublic.of(home, service.mode_cameras(db, home), service.schedules_of(db, home))


@router.get("/current", response_model=HomePublic)
def current_home(user: CurrentUser, ctx: ContextDep, db: DbDep) -> HomePublic:
    """Your home: its arming mode, which cameras alert in each mode, and its schedule."""
    return public(db, service.home_of(db, user_id=user.id, now=ctx.clock.now()))


@router.put("/current", response_model=HomePublic)
def update_home(body: HomeUpdate, user: CurrentUser, ctx: ContextDep, db: DbDep) -> HomePublic:
    """Rename your home or set its time zone (the schedule's times are in that zone)."""
    home = service.home_of(db, user_id=user.id, now=ctx.clock.now())
    service.update_home(db, home, name=body.name, timezone=body.timezone)
    return public(db, home)


@router.put("/current/mode", response_model=HomePublic)
def set_mode(body: ModeIn, user: CurrentUser, ctx: ContextDep, db: DbDep) -> HomePublic:
    """Switch your home to Home, Away, Night or Off; who and when are recorded."""
    now = ctx.clock.now()
    home = service.home_of(db, user_id=user.id, now=now)
    service.set_mode(db, home, mode=body.mode, by=user.id, now=now)
    return public(db, home)


@router.put("/current/modes/{mode}", response_model=HomePublic)
def choose_cameras(
    mode: str, body: ModeCamerasIn, user: CurrentUser, ctx: ContextDep, db: DbDep
) -> HomePublic:
    """Choose exactly which of your cameras alert in `mode`."""
    home = service.home_of(db, user_id=user.id, now=ctx.clock.now())
    service.choose_cameras(db, home, user_id=user.id, mode=mode, camera_ids=body.camera_ids)
    return public(db, home)


@router.post(
    "/current/schedules", status_code=status.HTTP_201_CREATED, response_model=SchedulePublic
)
def add_schedule(body: ScheduleIn, user: CurrentUser, ctx: ContextDep, db: DbDep) -> SchedulePublic:
    """Add a schedule entry: switch to `mode` at local `at` on the chosen weekdays."""
    now = ctx.clock.now()
    home = service.home_of(db, user_id=user.id, now=now)
    entry = service.ScheduleEntry(days_mask(body.days), body.at, body.mode, body.enabled)
    return SchedulePublic.of(service.add_schedule(db, home, entry, now=now))


@router.delete("/current/schedules/{schedule_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_schedule(schedule: OwnSchedule, db: DbDep) -> Response:
    """Remove a schedule entry."""
    service.remove_schedule(db, schedule)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
