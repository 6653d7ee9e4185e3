"""`GET /me` reads the caller through the read-only identity path (accounts/identity.py):
the same answers and refusals as the ORM path, and the "last used" note still kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hearthwatch.accounts import credentials
from hearthwatch.accounts.models import ApiToken, User
from hearthwatch.accounts.signin import TOUCH_EVERY
from hearthwatch.clock import Clock
from hearthwatch.context import AppContext


@pytest.fixture
def frozen(ctx: AppContext) -> Iterator[Clock]:
    with ctx.clock.frozen() as clock:
        yield clock


def new_token(ctx: AppContext, user_id: str) -> tuple[str, str]:
    with ctx.db.session() as db:
        user = db.get(User, user_id)
        assert user is not None
        made = credentials.create_token(ctx, db, user=user, name="cli", expires_in_days=None)
        return made.token.id, made.secret


def me(app: FastAPI, secret: str) -> Any:
    with TestClient(app) as api:
        return api.get("/api/v1/me", headers={"authorization": f"Bearer {secret}"})


def last_used(ctx: AppContext, token_id: str) -> Any:
    with ctx.db.session() as db:
        token = db.get(ApiToken, token_id)
        assert token is not None
        return token.last_used_at


def test_p3_token_reads_the_account_and_notes_its_use_every_few_minutes(
    app: FastAPI, ctx: AppContext, client: TestClient, alice: User, frozen: Any
) -> None:
    token_id, secret = new_token(ctx, alice.id)
    first = me(app, secret)
    assert first.status_code == 200 and first.json() == client.get("/api/v1/me").json()
    noted = last_used(ctx, token_id)
    assert noted is not None
    frozen.advance(TOUCH_EVERY / 2)
    assert me(app, secret).json()["email"] == "alice@example.org"
    assert last_used(ctx, token_id) == noted  # read-only path: no write every request
    frozen.advance(TOUCH_EVERY)
    assert me(app, secret).status_code == 200
    assert last_used(ctx, token_id) > noted


def test_p3_revoked_expired_and_locked_credentials_are_refused(
    app: FastAPI, ctx: AppContext, client: TestClient, alice: User
) -> None:
    token_id, secret = new_token(ctx, alice.id)
    assert me(app, secret).status_code == 200
    with ctx.db.session() as db:
        token = db.get(ApiToken, token_id)
        assert token is not None
        token.expires_at = ctx.clock.now() - timedelta(seconds=1)
    expired = me(app, secret)
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "auth.invalid_token"
    token_id, secret = new_token(ctx, alice.id)
    assert me(app, secret).status_code == 200
    client.delete(f"/api/v1/me/tokens/{token_id}")
    assert me(app, secret).status_code == 401
    token_id, secret = new_token(ctx, alice.id)
    assert me(app, secret).status_code == 200 and client.get("/api/v1/me").status_code == 200
    with ctx.db.session() as db:
        user = db.get(User, alice.id)
        assert user is not None
        user.compromised_at = ctx.clock.now()
    assert me(app, secret).status_code == 401
    assert client.get("/api/v1/me").status_code == 401  # the session cookie path too
    assert me(app, "hwt_not-a-token").status_code == 401
    assert me(app, "not even the prefix").status_code == 401
