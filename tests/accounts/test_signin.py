"""Sign-in, lock-out, sessions and API tokens (P3)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from tests.conftest import STRONG_PASSWORD, sign_in

LOGIN = "/api/v1/auth/login"


def attempt(client: TestClient, email: str, password: str) -> Any:
    return client.post(LOGIN, json={"email": email, "password": password})


def test_sign_in_sets_a_hardened_session_cookie(client: TestClient, make_user: Any) -> None:
    make_user()
    response = attempt(client, "alice@example.org", STRONG_PASSWORD)
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("hw_session"))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.get("/api/v1/me").json()["email"] == "alice@example.org"


def test_wrong_password_and_unknown_account_look_the_same(
    client: TestClient, make_user: Any
) -> None:
    make_user()
    wrong = attempt(client, "alice@example.org", "not-her-password-at-all")
    unknown = attempt(client, "nobody@example.org", "not-her-password-at-all")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "auth.invalid_credentials"


def test_p3_repeated_failures_slow_this_address_down_with_a_clear_message(
    client: TestClient, make_user: Any, ctx: AppContext
) -> None:
    """Issue 11, item 12: a growing delay for the (account, address) pair, not a lock-out."""
    make_user()
    with ctx.clock.frozen():
        for _ in range(ctx.settings.login_failures_before_lock + 1):
            attempt(client, "alice@example.org", "wrong-password-guess")
        slowed = attempt(client, "alice@example.org", STRONG_PASSWORD)
        assert slowed.status_code == 429
        error = slowed.json()["error"]
        assert error["code"] == "auth.too_many_failures"
        assert "Try again in 1 second, or sign in with a code mailed to you" in error["message"]
        assert error["details"]["retry_after_s"] == 1
        ctx.clock.advance(timedelta(seconds=1))
        assert attempt(client, "alice@example.org", STRONG_PASSWORD).status_code == 200


def test_p3_one_address_hammering_is_rate_limited(client: TestClient, ctx: AppContext) -> None:
    statuses = [
        attempt(client, f"user{i}@example.org", "whatever-password").status_code
        for i in range(ctx.settings.login_rate_per_minute + 1)
    ]
    assert statuses[-1] == 429
    assert set(statuses[:-1]) == {401}


def test_logout_ends_the_session(client: TestClient, alice: User) -> None:
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_session_writes_need_the_csrf_token(client: TestClient, alice: User) -> None:
    token = client.headers.pop("x-csrf-token")
    refused = client.patch("/api/v1/me", json={"nickname": "Mallory"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "auth.csrf_failed"
    client.headers["x-csrf-token"] = "forged"
    assert client.patch("/api/v1/me", json={"nickname": "Mallory"}).status_code == 403
    client.headers["x-csrf-token"] = token
    assert client.patch("/api/v1/me", json={"nickname": "Al"}).json()["nickname"] == "Al"


def test_sessions_list_marks_this_one_and_masks_the_address(
    client: TestClient, alice: User
) -> None:
    sessions = client.get("/api/v1/me/sessions").json()
    assert len(sessions) == 1
    assert sessions[0]["current"] is True


def test_p3_sign_out_everywhere(app: Any, make_user: Any) -> None:
    make_user()
    phone, laptop = TestClient(app), TestClient(app)
    sign_in(phone, "alice@example.org")
    sign_in(laptop, "alice@example.org")
    assert len(laptop.get("/api/v1/me/sessions").json()) == 2
    ended = laptop.post("/api/v1/me/sessions/sign-out-everywhere").json()
    assert ended == {"ended": 2}
    assert phone.get("/api/v1/me").status_code == 401
    assert laptop.get("/api/v1/me").status_code == 401


def test_end_one_other_session(app: Any, make_user: Any) -> None:
    make_user()
    phone, laptop = TestClient(app), TestClient(app)
    phone_session = sign_in(phone, "alice@example.org")["session_id"]
    sign_in(laptop, "alice@example.org")
    assert laptop.delete(f"/api/v1/me/sessions/{phone_session}").status_code == 204
    assert phone.get("/api/v1/me").status_code == 401
    assert laptop.get("/api/v1/me").status_code == 200
    again = laptop.delete(f"/api/v1/me/sessions/{phone_session}")
    assert again.json()["error"]["code"] == "session.not_found"


def test_api_token_is_shown_once_stored_hashed_and_revocable(
    client: TestClient, alice: User, ctx: AppContext
) -> None:
    created = client.post("/api/v1/me/tokens", json={"name": "home script"}).json()
    secret = created["secret"]
    assert secret.startswith("hwt_")
    listed = client.get("/api/v1/me/tokens").json()
    assert [t["name"] for t in listed] == ["home script"]
    assert "secret" not in listed[0]
    with ctx.db.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT secret_hash FROM api_tokens").scalar_one()
    assert secret not in stored
    bearer = TestClient(client.app)
    bearer.headers["authorization"] = f"Bearer {secret}"
    assert bearer.get("/api/v1/me").json()["email"] == "alice@example.org"
    # Bearer calls need no CSRF token: no cookie is involved.
    assert bearer.patch("/api/v1/me", json={"nickname": "Scripted"}).status_code == 200
    client.delete(f"/api/v1/me/tokens/{created['token']['id']}")
    refused = bearer.get("/api/v1/me")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "auth.invalid_token"


def test_expired_token_stops_working(client: TestClient, alice: User, ctx: AppContext) -> None:
    with ctx.clock.frozen():
        secret = client.post(
            "/api/v1/me/tokens", json={"name": "short", "expires_in_days": 1}
        ).json()["secret"]
        bearer = TestClient(client.app, headers={"authorization": f"Bearer {secret}"})
        assert bearer.get("/api/v1/me").status_code == 200
        ctx.clock.advance(timedelta(days=1, seconds=1))
        assert bearer.get("/api/v1/me").status_code == 401


def test_a_users_token_cannot_touch_another_users_records(app: Any, make_user: Any) -> None:
    make_user()
    make_user(email="bob@example.org")
    alice, bob = TestClient(app), TestClient(app)
    sign_in(alice, "alice@example.org")
    sign_in(bob, "bob@example.org")
    token_id = alice.post("/api/v1/me/tokens", json={"name": "a"}).json()["token"]["id"]
    alice_session = alice.get("/api/v1/me/sessions").json()[0]["id"]
    assert bob.delete(f"/api/v1/me/tokens/{token_id}").status_code == 404
    assert bob.delete(f"/api/v1/me/sessions/{alice_session}").status_code == 404
    assert len(alice.get("/api/v1/me/tokens").json()) == 1
