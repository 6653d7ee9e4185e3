"""Password reset by mailed code (P2), password change, compromised accounts (P3)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from tests.conftest import STRONG_PASSWORD, sign_in
from tests.support.smtp import Mailbox

RESET = "/api/v1/auth/password-reset"
RESET_CONFIRM = "/api/v1/auth/password-reset/confirm"
NEW_PASSWORD = "copper-lantern-orchard-88"


def ask_reset(client: TestClient, email: str = "alice@example.org") -> Any:
    return client.post(RESET, json={"email": email})


def confirm_reset(client: TestClient, code: str, password: str = NEW_PASSWORD) -> Any:
    body = {"email": "alice@example.org", "code": code, "new_password": password}
    return client.post(RESET_CONFIRM, json=body)


def test_p2_reset_only_with_the_code_mailed_to_the_account(
    client: TestClient, make_user: Any, mailbox: Mailbox
) -> None:
    make_user()
    assert ask_reset(client).status_code == 202
    mail = mailbox.to("alice@example.org")[-1]
    code = mailbox.last_code("alice@example.org")
    assert len(code) == 6 and "10 minutes" in mail.get_content()
    assert confirm_reset(client, code).status_code == 200
    assert sign_in(client, "alice@example.org", NEW_PASSWORD)["user"]["email"]
    assert "password was changed" in mailbox.to("alice@example.org")[-1]["Subject"]


def test_p2_unknown_address_gets_the_same_answer_and_no_mail(
    client: TestClient, make_user: Any, mailbox: Mailbox
) -> None:
    make_user()
    known, unknown = ask_reset(client), ask_reset(client, "ghost@example.org")
    assert known.json() == unknown.json() and known.status_code == unknown.status_code
    assert mailbox.to("ghost@example.org") == []


def test_p2_reset_code_expires_after_ten_minutes(
    client: TestClient, make_user: Any, mailbox: Mailbox, ctx: AppContext
) -> None:
    make_user()
    with ctx.clock.frozen():
        ask_reset(client)
        ctx.clock.advance(timedelta(minutes=10, seconds=1))
        response = confirm_reset(client, mailbox.last_code("alice@example.org"))
    assert response.json()["error"]["code"] == "auth.code_expired"


def test_p2_reset_code_allows_few_attempts(
    client: TestClient, make_user: Any, mailbox: Mailbox
) -> None:
    make_user()
    ask_reset(client)
    code = mailbox.last_code("alice@example.org")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    codes = [confirm_reset(client, wrong).json()["error"]["code"] for _ in range(5)]
    assert codes == ["auth.code_invalid"] * 5
    after = confirm_reset(client, code).json()["error"]["code"]
    assert after == "auth.code_invalid"  # the fifth failure spent the code: none is pending
    assert (
        client.post(
            "/api/v1/auth/login", json={"email": "alice@example.org", "password": NEW_PASSWORD}
        ).status_code
        == 401
    )


def test_p2_weak_new_password_keeps_the_code_usable(
    client: TestClient, make_user: Any, mailbox: Mailbox
) -> None:
    make_user()
    ask_reset(client)
    code = mailbox.last_code("alice@example.org")
    assert confirm_reset(client, code, "12345678").json()["error"]["code"] == "auth.weak_password"
    assert confirm_reset(client, code).status_code == 200


def test_p2_reset_ends_every_session_and_token(app: Any, make_user: Any, mailbox: Mailbox) -> None:
    make_user()
    laptop = TestClient(app)
    sign_in(laptop, "alice@example.org")
    secret = laptop.post("/api/v1/me/tokens", json={"name": "t"}).json()["secret"]
    anon = TestClient(app)
    ask_reset(anon)
    confirm_reset(anon, mailbox.last_code("alice@example.org"))
    assert laptop.get("/api/v1/me").status_code == 401
    bearer = TestClient(app, headers={"authorization": f"Bearer {secret}"})
    assert bearer.get("/api/v1/me").status_code == 401


def test_p3_compromised_account_is_locked_sessions_end_owner_is_mailed(
    app: Any, make_user: Any, mailbox: Mailbox
) -> None:
    make_user()
    owner, thief = TestClient(app), TestClient(app)
    sign_in(owner, "alice@example.org")
    sign_in(thief, "alice@example.org")
    secret = thief.post("/api/v1/me/tokens", json={"name": "stolen"}).json()["secret"]
    assert owner.post("/api/v1/me/compromised").json()["status"] == "locked"
    assert thief.get("/api/v1/me").status_code == 401
    assert (
        TestClient(app, headers={"authorization": f"Bearer {secret}"}).get("/api/v1/me").status_code
        == 401
    )
    relogin = owner.post(
        "/api/v1/auth/login", json={"email": "alice@example.org", "password": STRONG_PASSWORD}
    )
    assert relogin.status_code == 423
    assert relogin.json()["error"]["details"]["reason"] == "compromised"
    assert "locked" in mailbox.to("alice@example.org")[-1]["Subject"]
    # The owner unlocks it with a code mailed to the account.
    ask_reset(owner)
    assert confirm_reset(owner, mailbox.last_code("alice@example.org")).status_code == 200
    assert sign_in(owner, "alice@example.org", NEW_PASSWORD)


def test_change_password_keeps_this_session_and_ends_others(
    app: Any, make_user: Any, mailbox: Mailbox
) -> None:
    make_user()
    here, there = TestClient(app), TestClient(app)
    sign_in(here, "alice@example.org")
    sign_in(there, "alice@example.org")
    wrong = here.post(
        "/api/v1/me/password",
        json={"current_password": "not-the-password", "new_password": NEW_PASSWORD},
    )
    assert wrong.json()["error"]["code"] == "auth.invalid_credentials"
    changed = here.post(
        "/api/v1/me/password",
        json={"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 200
    assert here.get("/api/v1/me").status_code == 200
    assert there.get("/api/v1/me").status_code == 401


def test_locked_out_account_is_unlocked_by_a_reset(
    client: TestClient, alice: User, mailbox: Mailbox, ctx: AppContext
) -> None:
    for _ in range(ctx.settings.login_failures_before_lock):
        client.post("/api/v1/auth/login", json={"email": alice.email, "password": "bad-guess-1"})
    ask_reset(client)
    confirm_reset(client, mailbox.last_code(alice.email))
    assert sign_in(client, alice.email, NEW_PASSWORD)
