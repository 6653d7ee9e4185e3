"""Everything Hearthwatch holds about one person, table by table (P17, "view all data").

Read from the data map through the same walk the export archive uses (`export_tables`), so
the web page (/privacy/data), the API (GET /api/v1/privacy/data) and the archive never
disagree, and a newly declared personal column shows up in all three by itself. Long
tables (recordings) give a count and their newest rows; the export has them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hearthwatch.privacy.export.tables import ExportedTable, exported_tables, row_values

SHOWN_ROWS = 25
TABLE_TITLES = {
    "users": "Your account",
    "profile_pictures": "Your profile picture",
    "sessions": "Where you are signed in",
    "api_tokens": "Your API tokens",
    "cameras": "Your cameras",
    "segments": "Your recordings (index)",
    "audit_log": "What the audit log says about you",
    "rights_requests": "Your requests",
    "rights_request_steps": "Steps of your requests",
    "processing_limits": "Your restrictions and objections",
    "inactivity_warnings": "Warnings about an inactive account",
    "guardian_consents": "A parent's or guardian's consent",
    "child_reports": "Reports that the account holder may be under 16",
    "consent_ledger": "Your consent choices",
    "notice_acceptances": "Privacy notices you accepted",
    "erasure_receipts": "Erasure receipts",
    "data_exports": "Copies of your data",
}


@dataclass(frozen=True)
class DataTable:
    name: str
    title: str
    labels: list[tuple[str, str]]  # (column, what it is)
    rows: list[dict[str, Any]]  # the newest `SHOWN_ROWS`, values as in the export
    total: int


def data_of(db: Session, user_id: str) -> list[DataTable]:
    """Every table that holds something of the person's, in the data map's order."""
    tables = [_table(db, exported, user_id) for exported in exported_tables()]
    return [t for t in tables if t.total]


def _table(db: Session, exported: ExportedTable, user_id: str) -> DataTable:
    columns = exported.columns()
    where = exported.belongs_to(user_id)
    total = db.scalar(select(func.count()).select_from(exported.table).where(where)) or 0
    order = [c.desc() for c in exported.table.primary_key.columns]
    rows = db.execute(select(*columns).where(where).order_by(*order).limit(SHOWN_ROWS))
    described = {f.column: f.description for f in exported.fields}
    return DataTable(
        name=exported.name,
        title=TABLE_TITLES.get(exported.name, exported.name.replace("_", " ").capitalize()),
        labels=[(c.name, described.get(c.name, c.name.replace("_", " "))) for c in columns],
        rows=[row_values(db, exported, user_id, columns, row) for row in rows],
        total=total,
    )
