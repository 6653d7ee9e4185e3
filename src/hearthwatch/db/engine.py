"""Engine and session factory for the configured database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from hearthwatch.errors import Conflict

# More connections than request threads (anyio's default limiter is 40): a request holds
# its connection between steps, so with fewer connections than threads, the holders can
# wait for a thread while every thread waits for a connection.
POOL_SIZE = 40
POOL_OVERFLOW = 10
SCRUB_ATTEMPTS = 20


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # Deleted rows are overwritten with zeros, not left in free pages and free space inside
    # pages where `strings` finds them (an erasure must leave nothing readable, P19).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine with the settings each backend needs (WAL and foreign keys on SQLite)."""
    if url.startswith("sqlite"):
        # No limit on overflow: on SQLite requests run their queries inline on the event
        # loop, so a checkout that waited for a connection would wait for itself (the
        # holders are requests that need the loop to finish): a single worker with more
        # than POOL_SIZE + POOL_OVERFLOW requests in flight froze until the pool timed out.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False},
            pool_size=POOL_SIZE,
            max_overflow=-1,
        )
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    return create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_pre_ping=True)


def _wal_is_empty(engine: Engine) -> bool:
    database = engine.url.database
    if not database or database == ":memory:":
        return True
    wal = Path(f"{database}-wal")
    return not wal.exists() or wal.stat().st_size == 0


def _note_write(session: Session, _context: object) -> None:
    session.info["wrote"] = True


def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["wrote"] = True


def has_writes(session: Session) -> bool:
    """Whether the session changed anything that a commit would keep."""
    return bool(session.new or session.dirty or session.deleted or session.info.get("wrote"))


class Database:
    """Owns the engine and hands out sessions that commit on success."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        # Shared by every session it makes (`Session.info`): the column sealer lives here.
        self.info: dict[str, Any] = {}
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, info=self.info)
        event.listen(self._sessions, "after_flush", _note_write)
        event.listen(self._sessions, "do_orm_execute", _note_statement)

    def new_session(self) -> Session:
        return self._sessions()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def scrub(self, *, attempts: int = SCRUB_ATTEMPTS) -> None:
        """Empty SQLite's write-ahead file, where the old pages of deleted rows live on.

        A TRUNCATE checkpoint copies the newest pages into the database file (where
        `secure_delete` has zeroed deleted rows) and cuts the `-wal` file to nothing. It
        gives up while a reader still uses older pages (each try waits `busy_timeout`),
        so it is tried again until the file is truly empty. PostgreSQL keeps deleted rows
        until VACUUM reclaims them: see docs/erasure.md.
        """
        if self.engine.dialect.name != "sqlite":
            return
        for _ in range(attempts):
            with self.engine.connect() as connection:
                busy, frames, _done = connection.exec_driver_sql(
                    "PRAGMA wal_checkpoint(TRUNCATE)"
                ).one()
            if busy == 0 and frames in (0, -1) and _wal_is_empty(self.engine):
                return
        raise Conflict(
            "The database is too busy to clear its write-ahead file; try again.",
            code="storage.checkpoint_busy",
        )

    def dispose(self) -> None:
        self.engine.dispose()
