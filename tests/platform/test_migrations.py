"""Every schema change is a migration: the models and the migrated schema agree."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from hearthwatch.context import AppContext
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
