"""Which rows and columns go into `data.json`, read from the data map.

Every table with an exported personal field (`PersonalField.exported`) is walked for the
rows that belong to the person, found through the table's owner column; each row carries
its exported personal columns, its primary key (so rows can refer to each other, e.g. a
segment to its camera) and a few declared context columns that make it usable elsewhere
(a camera's recording settings, a log entry's action). A new personal column therefore
appears in every export without touching this module.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, Table, select
from sqlalchemy.orm import Session

from hearthwatch.models import metadata
from hearthwatch.privacy.datamap.service import PERSONAL_FIELDS, PersonalField, sealed_fields
from hearthwatch.security.sealed_columns import open_value

# Stored sealed with the person's key: opened with it (every row walked here is theirs).
SEALED_KEYS = frozenset(f.key for f in sealed_fields())

# The column naming the person a row belongs to, tried in this order.
OWNER_COLUMNS: tuple[str, ...] = ("user_id", "owner_id", "subject_id")
OWNER_OVERRIDES: dict[str, str] = {"users": "id"}

# Non-personal columns exported beside the personal ones because the rows are not usable
# without them (another instance needs a camera's settings to record as before). A camera's
# transport setting (`rtsp_transport`: auto, tcp or udp) is its owner's choice and travels;
# the transport that worked last (`rtsp_transport_used`) is not exported: it is what the
# old service learnt on its own network, and the new one learns it again at the first
# connection (auto tries TCP, then UDP).
CONTEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "cameras": (
        "model",
        "firmware_version",
        "recording_mode",
        "retention_days",
        "retention_bytes",
        "rtsp_transport",
        "video_codec",
        "video_width",
        "video_height",
        "video_fps",
    ),
    "segments": ("camera_id", "frames"),
    # An event names its camera and kind; a camera's detection settings travel with it.
    "events": ("camera_id", "kind"),
    "camera_detection": (
        "enabled",
        "sensitivity",
        "min_duration_ms",
        "quiet_seconds",
        "pre_roll_s",
        "post_roll_s",
    ),
    "audit_log": ("action",),
    "profile_pictures": ("content_type",),
}

# Exported personal columns whose value is not put in a downloadable file, with the reason.
WITHHELD: dict[str, str] = {
    "cameras.credentials": (
        "the camera's user name and password are not written into a file that may be mailed "
        "or copied around; enter them again when the camera is added back"
    ),
}


@dataclass(frozen=True)
class ExportedTable:
    table: Table
    owner: Column[Any]  # the person's id, or the reference to a parent row of theirs
    parent_owner: Column[Any] | None  # set when `owner` refers to a parent row
    fields: tuple[PersonalField, ...]

    @property
    def name(self) -> str:
        return self.table.name

    def columns(self) -> list[Column[Any]]:
        """Primary key, parent reference, exported personal columns, context; each once."""
        names = [c.name for c in self.table.primary_key.columns]
        names += [self.owner.name] if self.parent_owner is not None else []
        names += [f.column for f in self.fields]
        names += CONTEXT_COLUMNS.get(self.name, ())
        return [self.table.c[name] for name in dict.fromkeys(names)]

    def belongs_to(self, user_id: str) -> ColumnElement[bool]:
        if self.parent_owner is None:
            return self.owner == user_id
        (referred,) = [fk.column for fk in self.owner.foreign_keys]
        return self.owner.in_(select(referred).where(self.parent_owner == user_id))


def exported_fields() -> tuple[PersonalField, ...]:
    return tuple(f for f in PERSONAL_FIELDS if f.exported)


def exported_tables() -> list[ExportedTable]:
    """Every table holding an exported personal field, in data-map order."""
    by_table: dict[str, list[PersonalField]] = {}
    for personal in exported_fields():
        by_table.setdefault(personal.table, []).append(personal)
    return [
        ExportedTable(metadata.tables[name], *owner_of(metadata.tables[name]), tuple(fields))
        for name, fields in by_table.items()
    ]


def _direct_owner(table: Table) -> Column[Any] | None:
    candidates = (OWNER_OVERRIDES[table.name],) if table.name in OWNER_OVERRIDES else OWNER_COLUMNS
    return next((table.c[name] for name in candidates if name in table.c), None)


def owner_of(table: Table) -> tuple[Column[Any], Column[Any] | None]:
    """How a row is known to be the person's: its own owner column, or a reference to a
    parent row that has one (a request's steps belong to whoever made the request)."""
    direct = _direct_owner(table)
    if direct is not None:
        return direct, None
    for fk in sorted(table.foreign_keys, key=lambda fk: fk.parent.name):
        parent_owner = _direct_owner(fk.column.table)
        if parent_owner is not None:
            return table.c[fk.parent.name], parent_owner
    raise LookupError(f"{table.name} has personal fields but no owner column")


def rows_of(db: Session, exported: ExportedTable, user_id: str) -> Iterator[dict[str, Any]]:
    """The person's rows of one table as JSON-ready dicts, streamed in batches."""
    columns = exported.columns()
    order = list(exported.table.primary_key.columns)
    query = select(*columns).where(exported.belongs_to(user_id)).order_by(*order)
    for row in db.execute(query.execution_options(yield_per=500)):
        yield row_values(db, exported, user_id, columns, row)


def row_values(
    db: Session, exported: ExportedTable, user_id: str, columns: list[Column[Any]], row: Any
) -> dict[str, Any]:
    """One of the person's rows as a JSON-ready dict, sealed columns opened (P38)."""
    values = {}
    for column, value in zip(columns, row, strict=True):
        key = f"{exported.name}.{column.name}"
        if key in SEALED_KEYS:
            value = open_value(db, value, column=key, account_id=user_id)
        values[column.name] = json_value(key, value)
    return values


def json_value(key: str, value: Any) -> Any:
    if value is not None and key in WITHHELD:
        return {"withheld": WITHHELD[key]}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return {"base64": base64.b64encode(bytes(value)).decode()}
    return value


def field_descriptions() -> list[dict[str, Any]]:
    """The data map's entry for every exported field, to explain `data.json` in itself."""
    return [
        {
            "table": f.table,
            "column": f.column,
            "description": f.description,
            "category": f.category.value,
            "purpose": f.purpose,
            "legal_basis": f.legal_basis.value,
            "retention": f.retention.description,
        }
        for f in exported_fields()
    ]
