"""Alembic, driven from code so `hearthwatch migrate` and start-up need no alembic.ini."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest revision in migrations/versions; tests/platform/test_migrations.py holds the two
# together. Start-up compares it with the database's and loads Alembic only when they differ.
HEAD = "0010"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema at `url` up to `revision`."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database was last migrated to; None for an empty database."""
    try:
        with engine.connect() as connection:
            found = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:  # no alembic_version table yet
        return None
    return None if found is None else str(found)


def upgrade_if_behind(engine: Engine, url: str) -> None:
    """`upgrade(url)` unless the database is already at `HEAD`: a restart on a current
    schema skips loading Alembic and its scripts (a tenth of a second of cold start)."""
    if current_revision(engine) != HEAD:
        upgrade(url)
