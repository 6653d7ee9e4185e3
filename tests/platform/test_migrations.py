"""Every schema change is a migration: the models and the migrated schema agree."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, make_url, text
from sqlalchemy.exc import DBAPIError

from hearthwatch.context import AppContext
from hearthwatch.db import migrate
from hearthwatch.db.engine import make_engine
from hearthwatch.db.migrate import (
    HEAD,
    alembic_config,
    current_revision,
    downgrade,
    upgrade,
    upgrade_if_behind,
)
from hearthwatch.models import metadata


def test_models_match_the_migrated_schema(ctx: AppContext) -> None:
    with ctx.db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == [], f"write a migration for: {diff}"


def test_migrations_downgrade_and_upgrade_again(ctx: AppContext) -> None:
    url = ctx.db.url
    ctx.db.dispose()
    downgrade(url, "base")
    upgrade(url)
    with ctx.db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() is not None


def test_start_up_knows_the_newest_migration(ctx: AppContext) -> None:
    """Start-up skips Alembic when the database is at HEAD: HEAD must be the real head."""
    assert ScriptDirectory.from_config(alembic_config(ctx.db.url)).get_heads() == [HEAD]
    assert current_revision(ctx.db.engine) == HEAD


def test_start_up_migrates_a_database_that_is_behind(ctx: AppContext) -> None:
    url = ctx.db.url
    ctx.db.dispose()
    downgrade(url, "0009")
    assert current_revision(ctx.db.engine) == "0009"
    upgrade_if_behind(ctx.db.engine, url)
    assert current_revision(ctx.db.engine) == HEAD


@pytest.fixture
def empty_database_url(db_backend: str, database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database beside the test's migrated one (the same backend)."""
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"hw_empty_{secrets.token_hex(4)}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_first_start_creates_the_migrated_schema_without_alembic(
    ctx: AppContext, empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new database is made from the models at start-up (no Alembic, a fraction of the
    time): tables, columns, indexes, constraints and the append-only triggers come out the
    same as on a database migrated step by step, and it is recorded at HEAD."""
    created = make_engine(empty_database_url)
    try:

        def no_alembic(*_args: object) -> None:
            raise AssertionError("an empty database is created from the models")

        with monkeypatch.context() as patch:
            patch.setattr(migrate, "upgrade", no_alembic)
            upgrade_if_behind(created, empty_database_url)
        assert current_revision(created) == HEAD
        migrated = ctx.db.engine
        assert _structure(created) == _structure(migrated)
        assert _triggers(created) == _triggers(migrated)
        assert len(_triggers(created)) >= 3  # audit log: UPDATE, DELETE; consent: UPDATE
        with created.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        _assert_audit_log_refuses_updates(created)
    finally:
        created.dispose()
    downgrade(empty_database_url, "base")  # the migrations take it down and up again
    upgrade(empty_database_url)
    assert current_revision(make_engine(empty_database_url)) == HEAD


def _structure(engine: Engine) -> dict[str, object]:
    """Every table as reflected: columns, primary key, foreign keys, indexes, uniques."""
    inspector = inspect(engine)
    found: dict[str, object] = {}
    for table in inspector.get_table_names():
        found[table] = (
            sorted(
                (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
            ),
            inspector.get_pk_constraint(table),
            sorted(str(sorted(fk.items())) for fk in inspector.get_foreign_keys(table)),
            sorted(str(sorted(ix.items())) for ix in inspector.get_indexes(table)),
            sorted(str(sorted(uq.items())) for uq in inspector.get_unique_constraints(table)),
        )
    return found


def _triggers(engine: Engine) -> set[tuple[str, ...]]:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = connection.execute(
                text("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
            )
            return {(name, table, " ".join(sql.split())) for name, table, sql in rows}
        triggers = connection.execute(
            text("SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal")
        )
        functions = connection.execute(
            text(
                "SELECT proname, prosrc FROM pg_proc JOIN pg_namespace "
                "ON pg_namespace.oid = pg_proc.pronamespace WHERE nspname = 'public'"
            )
        )
        return {tuple(row) for row in triggers} | {("function", *row) for row in functions}


def _assert_audit_log_refuses_updates(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_log (seq, at, actor, action, details, prev_hash, hash) "
                "VALUES (1, '2026-01-01 00:00:00', 'test', 'test', '{}', '', '')"
            )
        )
    for statement in ("UPDATE audit_log SET actor = 'edited'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
