"""Migration 0012 (complaints without an account, P27) keeps what is already stored.

On SQLite the migration rebuilds `rights_requests` to make `user_id` nullable; with foreign
keys on, dropping the old table would take every request's steps with it by cascade. These
tests hold the steps in place both ways, and the downgrade removes only what the older
schema cannot hold: complaints that have no account.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from hearthwatch.context import AppContext
from hearthwatch.db.engine import make_engine
from hearthwatch.db.migrate import HEAD, current_revision, downgrade, upgrade
from hearthwatch.security.sealed_rows import unseal_rows

AT = "2026-01-01 09:00:00"


def _request(connection: Connection, request_id: str, user_id: str | None) -> None:
    connection.execute(
        text(
            "INSERT INTO rights_requests (id, user_id, kind, status, details, received_at, "
            "due_at, extended_months) VALUES (:id, :user, 'complaint', 'identity_verified', "
            "'The camera films my garden.', :at, :at, 0)"
        ),
        {"id": request_id, "user": user_id, "at": AT},
    )
    connection.execute(
        text(
            "INSERT INTO rights_request_steps (id, request_id, at, status, by) "
            "VALUES (:id, :request, :at, 'received', 'person')"
        ),
        {"id": "s" + request_id[1:], "request": request_id, "at": AT},
    )


def _steps(connection: Connection) -> list[str]:
    found = connection.execute(text("SELECT request_id FROM rights_request_steps"))
    return sorted(row[0] for row in found)


def test_0012_keeps_every_request_step_up_and_down(ctx: AppContext, make_user: Any) -> None:
    alice = make_user()
    url = ctx.db.url
    unseal_rows(ctx.db)  # below 0015 personal columns hold plaintext (P38 sealing is newer)
    ctx.db.dispose()
    downgrade(url, "0011")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            _request(connection, "a" * 32, alice.id)
        upgrade(url, "0012")
        with engine.begin() as connection:
            assert _steps(connection) == ["a" * 32]
            _request(connection, "b" * 32, None)  # a complaint without an account
            assert _steps(connection) == ["a" * 32, "b" * 32]
        downgrade(url, "0011")
        with engine.begin() as connection:
            assert _steps(connection) == ["a" * 32]
            left = connection.execute(text("SELECT id FROM rights_requests")).scalars().all()
            assert left == ["a" * 32]
        upgrade(url)
        assert current_revision(engine) == HEAD
        with engine.begin() as connection:
            assert _steps(connection) == ["a" * 32]
    finally:
        engine.dispose()
