"""Append-only tables: database triggers that refuse changing (or deleting) their rows.

The guard belongs to the table's model, so `metadata.create_all` makes it with the table
(the first start builds a new database that way: `migrate.create_at_head`). The migration
that introduced each table made the same triggers; tests/platform/test_migrations.py holds
the triggers of a migrated database and of a created one equal.
"""

from __future__ import annotations

from sqlalchemy import DDL, Table, event
from sqlalchemy.orm import DeclarativeBase

GUARDS = "append_only_guards"  # key in Table.info: the statements, per dialect


def append_only(
    model: type[DeclarativeBase],
    *,
    refuse: tuple[str, ...],
    message: str,
    function: str,
    deletable_when: str | None = None,
) -> None:
    """Refuse the `refuse` events ("UPDATE", "DELETE") on `model`'s table with `message`.

    SQLite: one trigger per event, `<table>_no_<event>`. PostgreSQL: the plpgsql `function`
    and one trigger `<table>_append_only` for all the events. `deletable_when`, an SQL
    condition on the row (`OLD`), lets a DELETE through where it holds (the audit log's
    entries past their retention, once a checkpoint covers them)."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    name = table.name
    for event_name in refuse:
        when = f"WHEN NOT ({deletable_when}) " if deletable_when and event_name == "DELETE" else ""
        _after_create(
            table,
            "sqlite",
            f"CREATE TRIGGER {name}_no_{event_name.lower()} BEFORE {event_name} ON {name} "
            f"{when}BEGIN SELECT RAISE(ABORT, '{message}'); END",
        )
    let_through = (
        f"IF TG_OP = 'DELETE' AND ({deletable_when}) THEN RETURN OLD; END IF; "
        if deletable_when
        else ""
    )
    _after_create(
        table,
        "postgresql",
        f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN {let_through}RAISE EXCEPTION '{message}'; END $$",
    )
    _after_create(
        table,
        "postgresql",
        f"CREATE TRIGGER {name}_append_only BEFORE {' OR '.join(refuse)} ON {name} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()",
    )


def guard_statements(model: type[DeclarativeBase], dialect: str) -> list[str]:
    """The statements that create `model`'s guard on `dialect`, in order (for tests that
    take a guard down to play an attacker and must put it back)."""
    table = model.__table__
    return list(table.info.get(GUARDS, {}).get(dialect, [])) if isinstance(table, Table) else []


def _after_create(table: Table, dialect: str, statement: str) -> None:
    ddl = DDL(statement)  # type: ignore[no-untyped-call]
    event.listen(table, "after_create", ddl.execute_if(dialect=dialect))
    table.info.setdefault(GUARDS, {}).setdefault(dialect, []).append(statement)
