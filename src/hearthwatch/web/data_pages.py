"""/privacy/data: everything Hearthwatch holds about the signed-in person, on one page (P17).

Read from the data map through the same walk the export archive uses, so the page and the
archive never disagree and a new personal column shows up here by itself. Long tables
(recordings) show a count and their newest rows; the export has them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hearthwatch.api.deps import ContextDep
from hearthwatch.privacy.export_tables import ExportedTable, exported_tables, json_value
from hearthwatch.web.rendering import render
from hearthwatch.web.viewer import ViewerDep, WebDb, to_signin

router = APIRouter(prefix="/privacy/data")
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
}


@dataclass(frozen=True)
class DataTable:
    name: str
    title: str
    labels: list[tuple[str, str]]  # (column, what it is)
    rows: list[dict[str, Any]]
    total: int


@router.get("")
def data_page(request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep) -> Response:
    if viewer is None:
        return to_signin("/privacy/data")
    tables = [_table(db, t, viewer.user.id) for t in exported_tables()]
    return render(
        request, ctx, "privacy_data.html", viewer=viewer, section="privacy",
        tables=[t for t in tables if t.total], shown_rows=SHOWN_ROWS, show=_show,
    )  # fmt: skip


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
        rows=[
            {
                c.name: json_value(f"{exported.name}.{c.name}", v)
                for c, v in zip(columns, row, strict=True)
            }
            for row in rows
        ],
        total=total,
    )


def _show(value: Any) -> str:
    """A stored value as the page shows it: binary as its size, withheld with the reason."""
    if value is None:
        return "—"
    if isinstance(value, dict) and "base64" in value:
        return f"(binary data, {len(value['base64']) * 3 // 4} bytes)"
    if isinstance(value, dict) and "withheld" in value:
        return f"(kept, not shown: {value['withheld']})"
    return str(value)
