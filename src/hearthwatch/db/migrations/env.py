"""Alembic environment: runs migrations against the URL set by hearthwatch.db.migrate."""

from __future__ import annotations

from alembic import context

from hearthwatch.db.engine import make_engine
from hearthwatch.models import metadata

config = context.config


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # A batch step rebuilds a table (copy, DROP, rename): with foreign keys enforced,
            # dropping a parent table (users) would cascade into its children's rows. The
            # pragma only takes effect outside a transaction, hence the commit.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
