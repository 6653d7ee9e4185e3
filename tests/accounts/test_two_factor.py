"""Optional TOTP two-step sign-in (P3)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyotp
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from tests.conftest import STRONG_PASSWORD

LOGIN = "/api/v1/auth/login"


def enable_totp(client: TestClient, ctx: AppContext) -> pyotp.TOTP:
    setup = client.post("/api/v1/me/two-factor/setup").json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/Hearthwatch")
    totp = pyotp.TOTP(setup["secret"])
    code = totp.at(ctx.clock.now())
    assert client.post("/api/v1/me/two-factor/enable", json={"code": code}).status_code == 200
    return totp


def test_p3_two_factor_sign_in(client: TestClient, alice: User, ctx: AppContext) -> None:
    with ctx.clock.frozen() as clock:
        totp = enable_totp(client, ctx)
        credentials = {"email": alice.email, "password": STRONG_PASSWORD}
        needs = client.post(LOGIN, json=credentials)
        assert needs.status_code == 401
        assert needs.json()["error"]["code"] == "auth.totp_required"
        clock.advance(timedelta(seconds=30))
        code = totp.at(clock.now())
        assert client.post(LOGIN, json={**credentials, "totp_code": code}).status_code == 200
        replay = client.post(LOGIN, json={**credentials, "totp_code": code})
        assert replay.json()["error"]["code"] == "auth.totp_invalid"


def test_two_factor_secret_is_stored_encrypted(
    client: TestClient, alice: User, ctx: AppContext
) -> None:
    secret = client.post("/api/v1/me/two-factor/setup").json()["secret"]
    with ctx.db.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT totp_secret FROM users").scalar_one()
    assert secret.encode() not in bytes(stored)


def test_disable_needs_password_and_code(client: TestClient, alice: User, ctx: AppContext) -> None:
    with ctx.clock.frozen() as clock:
        totp = enable_totp(client, ctx)
        clock.advance(timedelta(seconds=30))
        bad = client.post(
            "/api/v1/me/two-factor/disable",
            json={"password": "wrong-password-here", "code": totp.at(clock.now())},
        )
        assert bad.status_code == 401
        ok = client.post(
            "/api/v1/me/two-factor/disable",
            json={"password": STRONG_PASSWORD, "code": totp.at(clock.now())},
        )
        assert ok.json()["two_factor_enabled"] is False


def test_enable_with_a_wrong_code_fails(client: TestClient, alice: User, make_user: Any) -> None:
    client.post("/api/v1/me/two-factor/setup")
    response = client.post("/api/v1/me/two-factor/enable", json={"code": "000000"})
    assert response.json()["error"]["code"] in {"auth.totp_invalid"}
    assert client.get("/api/v1/me").json()["two_factor_enabled"] is False
