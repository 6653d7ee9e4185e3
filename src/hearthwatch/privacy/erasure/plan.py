"""What an erasure removes, read from the data map rather than from a list of tables.

Every table holding a personal field marked `erased` is erased; its rows are found through
the column that names their account (a foreign key to `users.id`, or an `owner_id` /
`user_id` column), their camera (a foreign key to `cameras.id`, or `camera_id`), or a
foreign key to a row of another table that is tied to an account that way. A new
personal table without such a column makes `plan()` raise, so it can never be skipped
silently. Blob objects come from `PERSONAL_OBJECTS`: their key pattern up to the first
unknown part is the prefix that holds them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, ColumnElement, Table, false, select

from hearthwatch.models import metadata
from hearthwatch.privacy.datamap.service import PERSONAL_FIELDS, PERSONAL_OBJECTS

ACCOUNT_TABLE = "users"
CAMERA_TABLE = "cameras"
OWNER_COLUMNS = ("owner_id", "user_id", "account_id")


class ErasureMapError(RuntimeError):
    """A personal table that erasure cannot tie to an account: declare its owner column."""


@dataclass(frozen=True)
class ErasedTable:
    table: Table
    columns: tuple[str, ...]  # its erased personal columns
    owner: Column[str] | None
    camera: Column[str] | None
    # (this table's column, the referenced column, that table's link): rows owned through a parent
    parent: tuple[Column[str], Column[str], ErasedTable] | None = None

    @property
    def name(self) -> str:
        return self.table.name

    def for_account(self, account_id: str) -> ColumnElement[bool]:
        if self.name == ACCOUNT_TABLE:
            return self.table.c.id == account_id
        if self.owner is not None:
            return self.owner == account_id
        if self.camera is not None:
            cameras = metadata.tables[CAMERA_TABLE]
            return self.camera.in_(select(cameras.c.id).where(cameras.c.owner_id == account_id))
        assert self.parent is not None
        column, referenced, parent = self.parent
        return column.in_(select(referenced).where(parent.for_account(account_id)))

    def for_camera(self, camera_id: str) -> ColumnElement[bool]:
        """Rows about one camera (nothing when the table is not about cameras)."""
        if self.name == CAMERA_TABLE:
            return self.table.c.id == camera_id
        if self.camera is not None:
            return self.camera == camera_id
        if self.parent is not None and self.parent[2].about_cameras:
            column, referenced, parent = self.parent
            return column.in_(select(referenced).where(parent.for_camera(camera_id)))
        return false()

    @property
    def about_cameras(self) -> bool:
        if self.parent is not None:
            return self.parent[2].about_cameras
        return self.name == CAMERA_TABLE or self.camera is not None


def plan() -> list[ErasedTable]:
    """Every table an account erasure empties, children before parents."""
    columns: dict[str, list[str]] = {}
    for field in PERSONAL_FIELDS:
        if field.erased:
            columns.setdefault(field.table, []).append(field.column)
    ordered = [t for t in reversed(metadata.sorted_tables) if t.name in columns]
    missing = set(columns) - {t.name for t in ordered}
    if missing:
        raise ErasureMapError(f"the data map names tables with no model: {sorted(missing)}")
    return [_erased_table(table, tuple(columns[table.name])) for table in ordered]


def _erased_table(table: Table, columns: tuple[str, ...], depth: int = 0) -> ErasedTable:
    owner = _column_to(table, ACCOUNT_TABLE, OWNER_COLUMNS)
    camera = _column_to(table, CAMERA_TABLE, ("camera_id",))
    if table.name == ACCOUNT_TABLE or owner is not None or camera is not None:
        return ErasedTable(table, columns, owner, camera)
    for column in table.columns:
        for fk in column.foreign_keys:
            if fk.column.table is not table and depth < 4:
                try:
                    parent = _erased_table(fk.column.table, (), depth + 1)
                except ErasureMapError:
                    continue
                return ErasedTable(table, columns, None, None, (column, fk.column, parent))
    raise ErasureMapError(
        f"table {table.name!r} holds personal data to erase but no column ties its rows "
        "to an account or a camera"
    )


def _column_to(table: Table, target: str, names: tuple[str, ...]) -> Column[str] | None:
    if table.name == target:
        return None
    for column in table.columns:
        if any(fk.column.table.name == target for fk in column.foreign_keys):
            return column
    return next((table.c[name] for name in names if name in table.c), None)


def object_prefixes(*, account_id: str, camera_id: str | None = None) -> list[str]:
    """Blob prefixes holding the account's (or one camera's) personal objects."""
    prefixes = []
    for kind in PERSONAL_OBJECTS:
        pattern = kind.key_pattern.replace("<account>", account_id)
        if camera_id is not None:
            if "<camera>" not in pattern:
                continue
            pattern = pattern.replace("<camera>", camera_id)
        prefix = pattern.split("<", 1)[0]
        if not prefix.endswith("/"):
            prefix = prefix.rsplit("/", 1)[0] + "/"
        prefixes.append(prefix)
    return sorted(set(prefixes))
