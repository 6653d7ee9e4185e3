"""Data map of homes (issue 14): the arming mode, which cameras alert in it, its schedule.

A home's mode and schedule say when its people are usually away or asleep: personal data,
kept while the account exists, exported with it and erased with it (the rows go with the
account by cascade).
"""

from __future__ import annotations

from hearthwatch.privacy.datamap.types import (
    UNTIL_CLOSURE,
    Category,
    LegalBasis,
    PersonalField,
)

_C = LegalBasis.CONTRACT
_ARMING = "arming the cameras for alerts (Home, Away, Night, Off)"


def _field(table: str, column: str, description: str, category: Category) -> PersonalField:
    return PersonalField(table, column, description, category, _ARMING, _C, UNTIL_CLOSURE)


HOMES_FIELDS: tuple[PersonalField, ...] = (
    _field("homes", "name", "the name the user gave their home", Category.DEVICE),
    _field("homes", "timezone", "the home's time zone (where it roughly is)", Category.USAGE),
    _field("homes", "arming_mode", "whether the home is set Home, Away, Night or Off",
           Category.USAGE),
    _field("homes", "mode_changed_at", "when the arming mode last changed", Category.USAGE),
    _field("homes", "mode_changed_by", "who last changed the arming mode (or the schedule)",
           Category.USAGE),
    _field("home_mode_cameras", "alerts", "which cameras alert in each arming mode",
           Category.DEVICE),
    _field("arming_schedules", "days", "weekdays of a scheduled arming change", Category.USAGE),
    _field("arming_schedules", "at", "time of day of a scheduled arming change",
           Category.USAGE),
    _field("arming_schedules", "mode", "the mode a scheduled change sets", Category.USAGE),
    _field("arming_schedules", "enabled", "whether a scheduled change is on", Category.USAGE),
)  # fmt: skip

HOMES_NON_PERSONAL: dict[str, str] = {
    "homes.id": "random identifier",
    "homes.owner_id": "reference",
    "homes.created_at": "time a home was set up",
    "homes.schedule_checked_at": "bookkeeping of the schedule job",
    "home_mode_cameras.home_id": "reference",
    "home_mode_cameras.mode": "name of a mode",
    "home_mode_cameras.camera_id": "reference",
    "arming_schedules.id": "random identifier",
    "arming_schedules.home_id": "reference",
    "arming_schedules.created_at": "time of a settings change",
}
