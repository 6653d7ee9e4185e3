"""`GET /api/v1/privacy/data`: everything held about the caller, as the web's /privacy/data.

Both read `privacy/export/data_view.py`, the data map's walk that the export archive uses too, so
a newly declared personal column appears here without any change to this module.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from hearthwatch.api.deps import DbDep, UserDep
from hearthwatch.privacy.export.data_view import SHOWN_ROWS, DataTable, data_of

router = APIRouter(tags=["privacy"])


class DataColumn(BaseModel):
    name: str
    description: str = Field(description="What the value is, from the data map.")


class DataTablePublic(BaseModel):
    name: str = Field(description="The table in the service's database.")
    title: str
    total: int = Field(description="How many rows of yours the table holds.")
    columns: list[DataColumn]
    rows: list[dict[str, Any]] = Field(
        description=f"The newest {SHOWN_ROWS} rows, values as in the export archive: "
        'binary values as {"base64": ...}, values kept but not shown as {"withheld": reason}.'
    )
    complete: bool = Field(description="False when only the newest rows are listed.")

    @classmethod
    def of(cls, table: DataTable) -> DataTablePublic:
        return cls(
            name=table.name, title=table.title, total=table.total,
            columns=[DataColumn(name=n, description=d) for n, d in table.labels],
            rows=table.rows, complete=len(table.rows) >= table.total,
        )  # fmt: skip


class PersonalData(BaseModel):
    tables: list[DataTablePublic]
    everything: str = Field(description="Where to get every row and the recordings themselves.")


@router.get("/data", response_model=PersonalData)
def personal_data(user: UserDep, db: DbDep) -> PersonalData:
    """Everything the service holds about you, table by table, with what each value is."""
    return PersonalData(
        tables=[DataTablePublic.of(t) for t in data_of(db, user.id)],
        everything="/api/v1/privacy/exports",
    )
