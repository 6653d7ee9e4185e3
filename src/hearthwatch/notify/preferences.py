"""Each user's alert choices: channels, per-camera overrides, quiet hours, cooldown, images.

A user without a stored row has the defaults: every channel on, images on (P15), no quiet
hours, UTC, a 60 s cooldown. Quiet hours are local time in the user's IANA time zone and
may run over midnight (22:00-07:00); start equal to end means none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hearthwatch.devices.models import Camera
from hearthwatch.errors import ValidationFailed
from hearthwatch.notify.kinds import CHANNELS
from hearthwatch.notify.models import DEFAULT_COOLDOWN_S, CameraChannels, NotifyPreferences

MAX_COOLDOWN_S = 3600
_CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class QuietHours:
    start: str  # "HH:MM"
    end: str

    def holds(self, local: time) -> bool:
        """Whether the local time `local` falls in these quiet hours."""
        start, end = time.fromisoformat(self.start), time.fromisoformat(self.end)
        if start <= end:
            return start <= local < end
        return local >= start or local < end  # over midnight


@dataclass(frozen=True)
class Preferences:
    channels: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(CHANNELS, True))
    images: bool = True
    quiet_hours: QuietHours | None = None
    timezone: str = "UTC"
    cooldown_seconds: int = DEFAULT_COOLDOWN_S
    cameras: dict[str, dict[str, bool]] = field(default_factory=dict)

    def channels_for(self, camera_id: str | None) -> tuple[str, ...]:
        """The channels an alert from `camera_id` goes out on."""
        override = self.cameras.get(camera_id or "", {})
        return tuple(c for c in CHANNELS if self.channels[c] and override.get(c, True))

    def quiet_at(self, at: datetime) -> bool:
        """Whether `at` (aware) falls in the user's quiet hours."""
        if self.quiet_hours is None:
            return False
        local = at.astimezone(ZoneInfo(self.timezone)).time().replace(tzinfo=None)
        return self.quiet_hours.holds(local)


def load(db: Session, user_id: str) -> Preferences:
    """The user's choices (the defaults where none are stored)."""
    row = db.get(NotifyPreferences, user_id)
    cameras = {
        c.camera_id: {name: bool(getattr(c, name)) for name in CHANNELS}
        for c in db.scalars(select(CameraChannels).where(CameraChannels.user_id == user_id))
    }
    if row is None:
        return Preferences(cameras=cameras)
    start, end = row.quiet_start, row.quiet_end
    quiet = QuietHours(start, end) if start and end and start != end else None
    return Preferences(
        channels={name: bool(getattr(row, name)) for name in CHANNELS}, images=row.images,
        quiet_hours=quiet, timezone=row.timezone, cooldown_seconds=row.cooldown_seconds,
        cameras=cameras,
    )  # fmt: skip


def save(db: Session, user_id: str, prefs: Preferences, *, now: datetime) -> Preferences:
    """Store the user's choices, all at once, after checking them."""
    _check(db, user_id, prefs)
    row = db.get(NotifyPreferences, user_id) or NotifyPreferences(user_id=user_id)
    for name in CHANNELS:
        setattr(row, name, prefs.channels[name])
    row.images, row.timezone, row.cooldown_seconds = (
        prefs.images, prefs.timezone, prefs.cooldown_seconds,
    )  # fmt: skip
    quiet = prefs.quiet_hours
    row.quiet_start, row.quiet_end = (quiet.start, quiet.end) if quiet else (None, None)
    row.updated_at = now
    db.add(row)
    db.execute(delete(CameraChannels).where(CameraChannels.user_id == user_id))
    for camera_id, switches in prefs.cameras.items():
        db.add(CameraChannels(user_id=user_id, camera_id=camera_id, **_switches(switches)))
    db.flush()
    return load(db, user_id)


def _switches(given: dict[str, bool]) -> dict[str, bool]:
    return {name: given.get(name, True) for name in CHANNELS}


def _check(db: Session, user_id: str, prefs: Preferences) -> None:
    if set(prefs.channels) != set(CHANNELS):
        raise _invalid(f"Channels are {', '.join(CHANNELS)}.", "notify.channels_invalid")
    check_timezone(prefs.timezone)
    if not 0 <= prefs.cooldown_seconds <= MAX_COOLDOWN_S:
        raise _invalid(f"The cooldown is 0 to {MAX_COOLDOWN_S} s.", "notify.cooldown_invalid")
    quiet = prefs.quiet_hours
    if quiet is not None and not (_CLOCK_TIME.match(quiet.start) and _CLOCK_TIME.match(quiet.end)):
        raise _invalid("Quiet hours are two times of day, HH:MM.", "notify.quiet_hours_invalid")
    if any(set(switches) - set(CHANNELS) for switches in prefs.cameras.values()):
        raise _invalid(f"Channels are {', '.join(CHANNELS)}.", "notify.channels_invalid")
    own = set(db.scalars(select(Camera.id).where(Camera.owner_id == user_id)))
    if set(prefs.cameras) - own:
        raise _invalid("Choices can be made for your own cameras only.", "notify.camera_unknown")


def check_timezone(name: str) -> None:
    """Refuse a name that is not an IANA time zone."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise _invalid(f"{name!r} is not a time zone.", "notify.timezone_invalid") from err


def _invalid(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code)
