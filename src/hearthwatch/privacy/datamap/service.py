"""The data map: every kind of personal data Hearthwatch stores, declared once.

Each `PersonalField` says where a piece of personal data lives (table and column), what it
is, why it is kept, on which legal basis, for how long, and whether it is exported and
erased on request. Every other column is listed in `NON_PERSONAL` with the reason it holds
nothing about a person. A test walks the live schema and fails when a column is in neither
list, so no personal field can be added without being declared here.

The declarations live beside this module, one per area: the types in `datamap_types`,
then `datamap_accounts`, `datamap_devices`, `datamap_privacy` (the privacy records) and
`datamap_safeguards` (retention timers, guardian consent, restrictions). This module is
the one entry point: it assembles them in a fixed order, because the privacy notice is
generated from that order and its digest must not change when a declaration moves.
"""

from __future__ import annotations

from hearthwatch.privacy.datamap.accounts import ACCOUNT_FIELDS, ACCOUNT_NON_PERSONAL
from hearthwatch.privacy.datamap.devices import DEVICE_FIELDS, DEVICE_NON_PERSONAL, DEVICE_OBJECTS
from hearthwatch.privacy.datamap.events import EVENTS_FIELDS, EVENTS_NON_PERSONAL
from hearthwatch.privacy.datamap.homes import HOMES_FIELDS, HOMES_NON_PERSONAL
from hearthwatch.privacy.datamap.notifications import (
    NOTIFICATIONS_FIELDS,
    NOTIFICATIONS_NON_PERSONAL,
)
from hearthwatch.privacy.datamap.privacy_records import PRIVACY_FIELDS, PRIVACY_NON_PERSONAL
from hearthwatch.privacy.datamap.safeguards import SAFEGUARD_FIELDS, SAFEGUARD_NON_PERSONAL
from hearthwatch.privacy.datamap.types import (
    CODE_LIFE,
    SESSION_LIFE,
    UNTIL_CLOSURE,
    Category,
    LegalBasis,
    PersonalField,
    PersonalObject,
    Retention,
)

__all__ = [
    "CODE_LIFE",
    "NON_PERSONAL",
    "PERSONAL_FIELDS",
    "PERSONAL_OBJECTS",
    "SERVER_LOG_KIND",
    "SESSION_LIFE",
    "UNTIL_CLOSURE",
    "Category",
    "LegalBasis",
    "PersonalField",
    "PersonalObject",
    "Retention",
    "is_sealed",
    "personal_field_keys",
    "sealed_fields",
    "server_log",
]

PERSONAL_FIELDS: tuple[PersonalField, ...] = (
    *ACCOUNT_FIELDS,
    *SAFEGUARD_FIELDS,
    *DEVICE_FIELDS,
    *PRIVACY_FIELDS,
    *EVENTS_FIELDS,
    *NOTIFICATIONS_FIELDS,
    *HOMES_FIELDS,
)

PERSONAL_OBJECTS: tuple[PersonalObject, ...] = DEVICE_OBJECTS

SERVER_LOG_KIND = "server_log"


def server_log(days: int) -> PersonalObject:
    """The server log (hearthwatch/server_log.py), kept `days` days on each node's disk (P36).

    Its lines name no account: a client IP cut to its network, the time, and the address
    asked for (which may hold a device's random id), so it is neither exported nor erased
    per person; it goes as a whole when its time is up.
    """
    return PersonalObject(
        SERVER_LOG_KIND,
        "<data dir>/logs/server-<day>.jsonl",
        "server log: time, client IP address cut to its network (/24, /48), page or API "
        "address asked for (with any device id in it), status and duration of each request",
        Category.ONLINE_IDENTIFIERS,
        "keeping the service secure and working (abuse, faults)",
        LegalBasis.LEGITIMATE_INTEREST,
        Retention(f"{days} days, then deleted", days, "request"),
        encrypted=False,
    )


# Columns that hold nothing about a person, each with the reason.
NON_PERSONAL: dict[str, str] = {
    **ACCOUNT_NON_PERSONAL,
    "alembic_version.version_num": "schema version",
    **DEVICE_NON_PERSONAL,
    **PRIVACY_NON_PERSONAL,
    **SAFEGUARD_NON_PERSONAL,
    **EVENTS_NON_PERSONAL,
    **NOTIFICATIONS_NON_PERSONAL,
    **HOMES_NON_PERSONAL,
}


def personal_field_keys() -> frozenset[str]:
    return frozenset(f.key for f in PERSONAL_FIELDS)


def sealed_fields() -> tuple[PersonalField, ...]:
    """The columns stored sealed with the account's data key (P38)."""
    return tuple(f for f in PERSONAL_FIELDS if f.sealed)


def is_sealed(key: str) -> bool:
    """Whether the column ``table.column`` is declared sealed."""
    return any(f.key == key for f in sealed_fields())
