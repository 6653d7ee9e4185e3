""" "See your data" grouped by subject, for people rather than for databases (P17, P23).

The rows are those of `privacy/export/data_view.py`, the walk that `GET /api/v1/privacy/data` and
the export archive use, so nothing is left out: every table lands in a subject (a table no
subject names goes to "Other data"), every column of every row is shown with the data
map's words for it, dates as dates, and identifiers folded away under "Identifiers".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime

from hearthwatch.models import metadata
from hearthwatch.privacy.export.data_view import DataTable
from hearthwatch.web.rendering import full_date


@dataclass(frozen=True)
class Subject:
    key: str
    title: str
    intro: str
    tables: tuple[str, ...]


SUBJECTS: tuple[Subject, ...] = (
    Subject(
        "account", "Your account", "Who you are to the service and how your account stands.",
        ("users", "profile_pictures", "notice_acceptances", "inactivity_warnings",
         "guardian_consents", "child_reports"),
    ),
    Subject(
        "signins", "Sign-ins and sessions",
        "Where you are signed in, and the personal API tokens you made.",
        ("sessions", "api_tokens"),
    ),
    Subject("cameras", "Cameras", "The cameras bound to your account.", ("cameras",)),
    Subject(
        "recordings", "Recordings",
        "When your cameras recorded. The video itself is encrypted: download your data to "
        "get it as playable files.",
        ("segments",),
    ),
    Subject(
        "consents", "Consents, restrictions and objections",
        "What you agreed to or withdrew, and the uses of your data you limited.",
        ("consent_ledger", "processing_limits"),
    ),
    Subject(
        "requests", "Your requests, copies and erasures",
        "Requests about your data, their steps, the copies you downloaded and what was erased.",
        ("rights_requests", "rights_request_steps", "data_exports", "erasure_receipts"),
    ),
    Subject(
        "log", "The audit log about you",
        "Steps the service, you or its staff took that concern your data.",
        ("audit_log",),
    ),
)  # fmt: skip
OTHER = Subject("other", "Other data", "Everything else held about you.", ())

# Labels for the columns the data map does not describe (context beside personal data).
LABELS = {
    "model": "Model",
    "firmware_version": "Firmware version",
    "recording_mode": "Recording",
    "retention_days": "Recordings kept for (days)",
    "retention_bytes": "Recordings kept up to",
    "video_codec": "Video format",
    "video_width": "Picture width (pixels)",
    "video_height": "Picture height (pixels)",
    "video_fps": "Frames per second",
    "frames": "Frames",
    "action": "What was done",
    "content_type": "File type",
}

# The column that names a record best, per table; else the table's title and a number.
HEADINGS = {
    "users": "email",
    "cameras": "name",
    "sessions": "created_at",
    "api_tokens": "name",
    "segments": "start_us",
    "audit_log": "action",
    "consent_ledger": "purpose",
    "processing_limits": "use",
    "rights_requests": "kind",
    "rights_request_steps": "note",
    "notice_acceptances": "version",
}

_ID = re.compile(r"(^id$|_id$|^seq$)")
_CODE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


@dataclass(frozen=True)
class Shown:
    """One value as the page shows it; `iso` makes it a <time> the browser puts in local time."""

    column: str
    label: str
    text: str
    iso: str | None = None


@dataclass(frozen=True)
class Record:
    key: str
    heading: Shown
    fields: list[Shown]
    ids: list[Shown]


@dataclass(frozen=True)
class TableView:
    name: str
    title: str
    total: int
    records: list[Record]

    @property
    def complete(self) -> bool:
        return len(self.records) >= self.total


@dataclass(frozen=True)
class Group:
    subject: Subject
    tables: list[TableView]

    @property
    def count(self) -> int:
        return sum(t.total for t in self.tables)


def grouped(tables: list[DataTable]) -> list[Group]:
    """The person's tables by subject, in the subjects' order; unknown tables last."""
    views = {t.name: _table_view(t) for t in tables}
    groups = []
    for subject in (*SUBJECTS, OTHER):
        names = subject.tables if subject is not OTHER else _unclaimed(views)
        found = [views[name] for name in names if name in views]
        if found:
            groups.append(Group(subject, found))
    return groups


def _unclaimed(views: dict[str, TableView]) -> tuple[str, ...]:
    claimed = {name for s in SUBJECTS for name in s.tables}
    return tuple(name for name in views if name not in claimed)


def _table_view(table: DataTable) -> TableView:
    records = [_record(table, row, index) for index, row in enumerate(table.rows, 1)]
    return TableView(table.name, table.title, table.total, records)


def _record(table: DataTable, row: dict[str, Any], index: int) -> Record:
    shown = [_shown(table.name, column, label, row.get(column)) for column, label in table.labels]
    ids = [s for s in shown if _ID.search(s.column)]
    fields = [s for s in shown if not _ID.search(s.column)]
    primary = [str(row.get(c.name)) for c in metadata.tables[table.name].primary_key.columns]
    named = [s for s in fields if s.column == HEADINGS.get(table.name) and s.text != "—"]
    heading = named[0] if named else Shown("", "", f"{table.title}, {index}")
    if _CODE.match(heading.text):  # a stored code ("marketing_email") as words
        heading = Shown(heading.column, heading.label, heading.text.replace("_", " ").capitalize())
    return Record(key=":".join(primary), heading=heading, fields=fields, ids=ids)


def _shown(table: str, column: str, description: str, value: Any) -> Shown:
    # The data map's own words, as the API gives them (the style sheet capitalises them).
    label = LABELS.get(column) or description or column.replace("_", " ")
    if column.endswith("_us") and isinstance(value, int):
        moment = datetime.fromtimestamp(value / 1_000_000, UTC)
        return Shown(column, label, full_date(moment), moment.isoformat())
    if isinstance(value, str) and _is_date(table, column):
        moment = datetime.fromisoformat(value)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return Shown(column, label, full_date(moment), value)
    return Shown(column, label, _text(column, value))


def _is_date(table: str, column: str) -> bool:
    found = metadata.tables.get(table)
    if found is None or column not in found.c:
        return False
    kind = found.c[column].type
    return isinstance(getattr(kind, "impl", kind), DateTime)  # UTCDateTime decorates one


def _text(column: str, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict) and "base64" in value:
        return f"A file of {_size(len(value['base64']) * 3 // 4)}"
    if isinstance(value, dict) and "withheld" in value:
        return f"Kept, not shown here: {value['withheld']}"
    if column.endswith("_bytes") and isinstance(value, int) and value >= 1000:
        return f"{_size(value)} ({value} bytes)"
    return str(value)


def _size(count: int) -> str:
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count} bytes"
