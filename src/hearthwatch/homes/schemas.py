"""Request and response shapes of the homes API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hearthwatch.homes.models import ArmingSchedule, Home

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Name = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
# Checked by the service, so a wrong one gets its own stable code (`homes.*`).
ModeName = Annotated[str, Field(max_length=16, description="home, away, night or off")]
CameraId = Annotated[str, Field(max_length=64)]


def days_mask(days: list[str]) -> int:
    """Weekday names ("mon" ... "sun") as the stored bitmask (Monday = 1 ... Sunday = 64);
    an unknown name counts as none, so the service refuses the entry."""
    if any(day not in WEEKDAYS for day in days):
        return 0
    return sum(1 << WEEKDAYS.index(day) for day in set(days))


def day_names(mask: int) -> list[str]:
    return [day for bit, day in enumerate(WEEKDAYS) if mask & (1 << bit)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModeIn(Strict):
    mode: ModeName


class ModeCamerasIn(Strict):
    camera_ids: list[CameraId] = Field(
        max_length=1000, description="Exactly the cameras that alert in this mode."
    )


class HomeUpdate(Strict):
    name: Name | None = None
    timezone: str | None = Field(
        default=None, max_length=64, description="An IANA time zone, such as Europe/Berlin."
    )


class ScheduleIn(Strict):
    days: list[str] = Field(
        max_length=7, description='Weekdays the entry fires on: "mon", "tue", ... "sun".'
    )
    at: str = Field(max_length=5, description='Local time in the home\'s time zone, "HH:MM".')
    mode: ModeName
    enabled: bool = True


class SchedulePublic(BaseModel):
    id: str
    days: list[str]
    at: str
    mode: str
    enabled: bool
    created_at: datetime

    @classmethod
    def of(cls, schedule: ArmingSchedule) -> SchedulePublic:
        return cls(
            id=schedule.id, days=day_names(schedule.days), at=schedule.at, mode=schedule.mode,
            enabled=schedule.enabled, created_at=schedule.created_at,
        )  # fmt: skip


class HomePublic(BaseModel):
    id: str
    name: str
    timezone: str
    mode: str = Field(description="The arming mode now: home, away, night or off.")
    mode_changed_at: datetime
    mode_changed_by: str = Field(description='The id of who switched, or "schedule".')
    modes: dict[str, list[str]] = Field(description="Per mode, the cameras that alert in it.")
    schedules: list[SchedulePublic]

    @classmethod
    def of(
        cls, home: Home, modes: dict[str, list[str]], schedules: list[ArmingSchedule]
    ) -> HomePublic:
        return cls(
            id=home.id, name=home.name, timezone=home.timezone, mode=home.arming_mode,
            mode_changed_at=home.mode_changed_at, mode_changed_by=home.mode_changed_by,
            modes=modes, schedules=[SchedulePublic.of(s) for s in schedules],
        )  # fmt: skip
