"""Sealing the personal values a database holds from before P38, at start-up.

Migration 0015 turned the sealed columns (the data map's `PersonalField.sealed`) into
binary ones but could not seal their contents: the keys are in the keyring database,
which a migration does not reach. `seal_plaintext_rows` does it at every start, after the
schema is brought up to date; it finds only values without the sealed prefix, so once a
database is sealed it changes nothing and costs one scan per column. `unseal_rows` puts the
plaintext back, for a downgrade below 0015.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Table, func, select, update
from sqlalchemy.orm import Session

from hearthwatch.db.engine import Database
from hearthwatch.models import metadata
from hearthwatch.privacy.datamap.service import PersonalField, sealed_fields
from hearthwatch.security.sealed_columns import (
    MAGIC,
    is_sealed_value,
    open_value,
    seal_value,
    sealer_of,
    warm,
)

OWNER_COLUMNS = ("user_id", "owner_id")


def seal_plaintext_rows(db: Database) -> int:
    """Seal every personal value still stored as plaintext; returns how many were sealed."""
    with db.session() as session:
        return sum(_seal_column(session, field) for field in sealed_fields())


def unseal_rows(db: Database) -> int:
    """Store every sealed value as plaintext again (before a downgrade below 0015)."""
    with db.session() as session:
        return sum(_unseal_column(session, field) for field in sealed_fields())


def plaintext_counts(session: Session) -> dict[str, int]:
    """How many values of each sealed column are still plaintext (`privacy check`)."""
    counts = {}
    for field in sealed_fields():
        column = metadata.tables[field.table].c[field.column]
        unsealed = func.substr(column, 1, len(MAGIC)) != MAGIC
        found = session.scalar(select(func.count()).where(column.is_not(None), unsealed))
        if found:
            counts[field.key] = int(found)
    return counts


def _owner(table: Table) -> Column[Any]:
    if table.name == "users":
        return table.c.id
    return next(table.c[name] for name in OWNER_COLUMNS if name in table.c)


def _rows(session: Session, field: PersonalField, *, sealed: bool) -> list[Any]:
    table = metadata.tables[field.table]
    column = table.c[field.column]
    prefix = func.substr(column, 1, len(MAGIC))
    where = prefix == MAGIC if sealed else prefix != MAGIC
    key = next(iter(table.primary_key.columns))
    query = select(key, _owner(table), column).where(column.is_not(None), where)
    return list(session.execute(query))


def _seal_column(session: Session, field: PersonalField) -> int:
    table = metadata.tables[field.table]
    key = next(iter(table.primary_key.columns))
    index = table.c.get(f"{field.column}_index")
    rows = [r for r in _rows(session, field, sealed=False) if not is_sealed_value(r[2])]
    sealer = sealer_of(session)
    for row_id, account_id, raw in rows:
        text = raw if isinstance(raw, str) else bytes(raw).decode()
        values: dict[str, Any] = {
            field.column: seal_value(session, text, column=field.key, account_id=account_id)
        }
        if index is not None:
            values[index.name] = sealer.blind_index(text)
        session.execute(update(table).where(key == row_id).values(values))
    return len(rows)


def _unseal_column(session: Session, field: PersonalField) -> int:
    table = metadata.tables[field.table]
    key = next(iter(table.primary_key.columns))
    rows = _rows(session, field, sealed=True)
    warm(session, {account_id for _, account_id, _ in rows})
    for row_id, account_id, raw in rows:
        text = open_value(session, raw, column=field.key, account_id=account_id)
        plain = None if text is None else text.encode()
        session.execute(update(table).where(key == row_id).values({field.column: plain}))
    return len(rows)
