"""Alembic, driven from code so `hearthwatch migrate` and start-up need no alembic.ini."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, Engine, MetaData, PrimaryKeyConstraint, String, Table, inspect, text
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest revision in migrations/versions; tests/platform/test_migrations.py holds the two
# together. Start-up compares it with the database's and loads Alembic only when they differ.
HEAD = "0024"
VERSION_TABLE = "alembic_version"


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
    """Bring the schema to `HEAD` at start-up, as cheaply as each case allows:

    - already at `HEAD` (every restart): nothing to do, and Alembic is not even loaded;
    - a new, empty database (the first start): `create_at_head`, without Alembic;
    - behind: Alembic upgrades it.
    """
    revision = current_revision(engine)
    if revision == HEAD:
        return
    if revision is None and _is_empty(engine):
        create_at_head(engine)
        return
    upgrade(url)


def _is_empty(engine: Engine) -> bool:
    return not set(inspect(engine).get_table_names()) - {VERSION_TABLE}


def create_at_head(engine: Engine) -> None:
    """Make every table of the models in an empty database, with their triggers
    (`db.guards`), and record it at `HEAD` in the version table Alembic itself would make;
    all in one transaction. tests/platform/test_migrations.py holds the result equal to a
    database migrated step by step: tables, indexes, constraints and triggers."""
    from hearthwatch.models import metadata

    version = Table(
        VERSION_TABLE,
        MetaData(),
        Column("version_num", String(32), nullable=False),
        PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
    )
    with engine.begin() as connection:
        metadata.create_all(connection)
        version.create(connection, checkfirst=True)
        connection.execute(version.delete())
        connection.execute(version.insert().values(version_num=HEAD))
