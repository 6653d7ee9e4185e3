"""Every schema change is a migration: the models and the migrated schema agree."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hearthwatch.context import AppContext
from hearthwatch.db.migrate import downgrade, upgrade
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
