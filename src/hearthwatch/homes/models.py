"""Storage models of homes: the place an account's cameras belong to, its arming mode, which
cameras alert in each mode, and the weekly schedule that switches modes.

Today each account has one home (made when first needed) holding all the account's
cameras; issue 15 adds members and roles, which is why a home is a row of its own with an
owner rather than a few columns on the account.

Which cameras alert in a mode is stored per camera only where the person chose: a camera
without a row for a mode takes the mode's default (`MODE_DEFAULTS`), so a camera added
later alerts when Away or at Night without anyone touching the arming page.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from hearthwatch.db.base import Base, UTCDateTime, new_id

HOME, AWAY, NIGHT, OFF = "home", "away", "night", "off"
MODES: tuple[str, ...] = (HOME, AWAY, NIGHT, OFF)
# Whether a camera nobody chose for the mode alerts in it.
MODE_DEFAULTS: dict[str, bool] = {HOME: False, AWAY: True, NIGHT: True, OFF: False}
# A new home starts Away, where every camera alerts: what happened before homes existed.
FIRST_MODE = AWAY
DEFAULT_NAME = "My home"
DEFAULT_TIMEZONE = "UTC"
BY_SCHEDULE = "schedule"  # `mode_changed_by` of a switch the schedule made


class Home(Base):
    """An account's home: its name, time zone (IANA, for schedules) and arming mode."""

    __tablename__ = "homes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    # Unique while an account has one home; issue 15 lifts it when homes are shared.
    owner_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True, index=True
    )
    name: Mapped[str] = mapped_column(String(64), default=DEFAULT_NAME)
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    arming_mode: Mapped[str] = mapped_column(String(8), default=FIRST_MODE)
    mode_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A user's id, or "schedule" (`BY_SCHEDULE`); not a foreign key for that reason.
    mode_changed_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The schedule job's mark: every schedule entry due up to here has been applied.
    schedule_checked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HomeModeCamera(Base):
    """Whether one camera alerts in one mode of its home, as the person chose."""

    __tablename__ = "home_mode_cameras"

    home_id: Mapped[str] = mapped_column(
        ForeignKey("homes.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[str] = mapped_column(String(8), primary_key=True)
    camera_id: Mapped[str] = mapped_column(
        ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    alerts: Mapped[bool] = mapped_column(Boolean)


class ArmingSchedule(Base):
    """Switch the home to `mode` at `at` (local "HH:MM") on the weekdays of `days`.

    `days` is a bitmask, Monday = 1, Tuesday = 2, ... Sunday = 64. An entry fires at most
    once a day, at the first moment its local time happens (a time skipped by a clock
    change fires when the clock jumps past it; a repeated one, the first time round).
    """

    __tablename__ = "arming_schedules"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    home_id: Mapped[str] = mapped_column(ForeignKey("homes.id", ondelete="CASCADE"), index=True)
    days: Mapped[int] = mapped_column(Integer)
    at: Mapped[str] = mapped_column(String(5))
    mode: Mapped[str] = mapped_column(String(8))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    # The home's owner, read with the row: the resolver's owner column (access/resources.py).
    owner_id: Mapped[str] = column_property(
        select(Home.owner_id).where(Home.id == home_id).correlate_except(Home).scalar_subquery()
    )
