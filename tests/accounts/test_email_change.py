"""Changing the sign-in address (P18): re-authenticated, proven from the new address, told to
the old one and undoable from it, without revealing which addresses have an account."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hearthwatch.accounts import email_change
from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.privacy.audit import service as audit
from tests.conftest import STRONG_PASSWORD, sign_in
from tests.support.smtp import Mailbox

ASK = "/api/v1/me/email"
CONFIRM = "/api/v1/me/email/confirm"
UNDO = "/api/v1/auth/email-change/undo"
ALICE = "alice@example.org"
NEW = "alice.new@example.net"
NEW_PASSWORD = "copper-lantern-orchard-88"


def ask(client: TestClient, new_email: str = NEW, password: str = STRONG_PASSWORD) -> Any:
    return client.post(ASK, json={"new_email": new_email, "password": password})


def change(client: TestClient, mailbox: Mailbox, new_email: str = NEW) -> Any:
    assert ask(client, new_email).status_code == 202
    confirmed = client.post(CONFIRM, json={"code": mailbox.last_code(new_email)})
    assert confirmed.status_code == 200, confirmed.text
    return confirmed


def error_code(response: Any) -> str:
    return str(response.json()["error"]["code"])


def test_p18_change_of_address_needs_the_password_and_the_code_mailed_to_the_new_address(
    client: TestClient, alice: User, mailbox: Mailbox, ctx: AppContext
) -> None:
    wrong = ask(client, password="not-my-password")
    assert wrong.status_code == 401 and error_code(wrong) == "privacy.reauth_failed"
    assert mailbox.to(NEW) == []

    asked = ask(client, "Alice.New@EXAMPLE.net")  # normalised as at sign-up
    assert asked.status_code == 202 and asked.json()["status"] == "code_sent"
    mail = mailbox.to(NEW)[-1]
    assert "10 minutes" in mail.get_content()
    assert client.get("/api/v1/me").json()["email"] == ALICE  # nothing changes before the code

    bad = client.post(CONFIRM, json={"code": "000000"})
    assert bad.status_code == 422 and error_code(bad) == "auth.code_invalid"
    confirmed = client.post(CONFIRM, json={"code": mailbox.last_code(NEW)})
    assert confirmed.status_code == 200
    assert confirmed.json()["email"] == NEW and confirmed.json()["email_confirmed"] is True

    # The old address is told, with the new one masked and the way back.
    notice = mailbox.to(ALICE)[-1]
    body = notice.get_content()
    assert "was changed" in notice["Subject"] and "a***@e***.net" in body and NEW not in body
    assert "/email/undo" in body and "locked" in body
    # Audited, with masked addresses only.
    with ctx.db.session() as db:
        entries = [e for e in audit.entries_about(db, alice.id) if e.action.startswith("account.")]
    assert [e.action for e in entries] == ["account.email_changed"]
    assert ALICE not in entries[0].details and NEW not in entries[0].details
    assert "a***@e***.org" in entries[0].details
    # The new address signs in; the old one no longer does.
    with TestClient(client.app) as other:
        assert sign_in(other, NEW)["user"]["email"] == NEW
        old = other.post("/api/v1/auth/login", json={"email": ALICE, "password": STRONG_PASSWORD})
        assert old.status_code == 401


def test_p18_other_sessions_end_this_one_and_api_tokens_stay(
    client: TestClient, alice: User, app: FastAPI, mailbox: Mailbox
) -> None:
    """Policy (accounts/email_change.py): like a password change, since resets go to it."""
    token = client.post("/api/v1/me/tokens", json={"name": "script"}).json()["secret"]
    with TestClient(app) as laptop:
        sign_in(laptop, ALICE)
        change(client, mailbox)
        assert laptop.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").status_code == 200
    bearer = {"authorization": f"Bearer {token}"}
    with TestClient(app) as script:
        assert script.get("/api/v1/me", headers=bearer).json()["email"] == NEW


def test_p18_the_code_expires_after_10_minutes(
    client: TestClient, alice: User, mailbox: Mailbox, ctx: AppContext
) -> None:
    with ctx.clock.frozen() as clock:
        assert ask(client).status_code == 202
        clock.advance(timedelta(minutes=10, seconds=1))
        late = client.post(CONFIRM, json={"code": mailbox.last_code(NEW)})
    assert late.status_code == 422 and error_code(late) == "auth.code_expired"
    assert client.get("/api/v1/me").json()["email"] == ALICE


def test_p18_wrong_codes_use_up_the_code(
    client: TestClient, alice: User, mailbox: Mailbox, ctx: AppContext
) -> None:
    assert ask(client).status_code == 202
    code = mailbox.last_code(NEW)
    wrong = "111111" if code != "111111" else "222222"
    for left in reversed(range(ctx.settings.reset_code_attempts)):
        answer = client.post(CONFIRM, json={"code": wrong})
        assert answer.json()["error"]["details"] == {"attempts_left": left}
    spent = client.post(CONFIRM, json={"code": code})
    assert spent.status_code == 422 and error_code(spent) == "auth.code_invalid"
    assert client.get("/api/v1/me").json()["email"] == ALICE


def test_p18_an_address_in_use_is_not_revealed_to_the_person_asking(
    client: TestClient, alice: User, make_user: Any, mailbox: Mailbox
) -> None:
    """As at sign-up: the same answer and the same failure; only that mailbox is told."""
    bob = make_user("bob@example.org")
    free = ask(client, "nobody@example.org")
    taken = ask(client, "bob@example.org")
    assert (taken.status_code, taken.json()) == (free.status_code, free.json())
    told = mailbox.to("bob@example.org")[-1]
    assert "already belongs to a Hearthwatch account" in told.get_content()
    with pytest.raises(AssertionError, match="no code"):
        mailbox.last_code("bob@example.org")
    for code in ("123456", "654321"):
        failed = client.post(CONFIRM, json={"code": code})
        assert failed.status_code == 422 and error_code(failed) == "auth.code_invalid"
    assert client.get("/api/v1/me").json()["email"] == ALICE
    with TestClient(client.app) as other:
        assert sign_in(other, "bob@example.org")["user"]["id"] == bob.id


def test_p18_an_address_taken_after_the_code_was_sent_fails_like_a_wrong_code(
    client: TestClient, alice: User, make_user: Any, mailbox: Mailbox
) -> None:
    assert ask(client).status_code == 202
    code = mailbox.last_code(NEW)
    make_user(NEW)  # someone signs up with it meanwhile
    failed = client.post(CONFIRM, json={"code": code})
    assert failed.status_code == 422 and error_code(failed) == "auth.code_invalid"
    assert failed.json()["error"]["message"] == "The code is wrong. Ask for a new one."
    assert client.get("/api/v1/me").json()["email"] == ALICE


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"new_email": "not-an-address", "password": STRONG_PASSWORD}, "request.invalid"),
        ({"new_email": "a@b", "password": STRONG_PASSWORD}, "request.invalid"),
        ({"new_email": "x" * 250 + "@example.org", "password": STRONG_PASSWORD}, "request.invalid"),
        ({"new_email": NEW}, "request.invalid"),
        ({"new_email": NEW, "password": STRONG_PASSWORD, "extra": 1}, "request.invalid"),
        (
            {"new_email": "ALICE@Example.ORG", "password": STRONG_PASSWORD},
            "account.email_unchanged",
        ),
    ],
)
def test_p18_the_new_address_is_checked_like_at_sign_up(
    client: TestClient, alice: User, mailbox: Mailbox, body: dict[str, Any], code: str
) -> None:
    answer = client.post(ASK, json=body)
    assert answer.status_code == 422 and error_code(answer) == code
    assert client.post(CONFIRM, json={"code": "12345"}).status_code == 422
    assert len(mailbox.messages) == 0


def test_p18_changing_the_address_needs_a_signed_in_account(app: FastAPI) -> None:
    with TestClient(app) as visitor:
        answer = visitor.post(ASK, json={"new_email": NEW, "password": STRONG_PASSWORD})
        assert answer.status_code == 401


def test_p18_the_old_address_undoes_a_change_and_locks_the_account(
    client: TestClient, alice: User, app: FastAPI, mailbox: Mailbox, ctx: AppContext
) -> None:
    token = client.post("/api/v1/me/tokens", json={"name": "script"}).json()["secret"]
    change(client, mailbox)
    undo_code = mailbox.last_code(ALICE)
    with ctx.db.session() as db:  # the intruder turns on two-step sign-in after the change
        user = db.get(User, alice.id)
        assert user is not None
        user.totp_secret, user.totp_enabled_at = b"intruder", ctx.clock.now()

    with TestClient(app) as owner:
        wrong = owner.post(UNDO, json={"email": ALICE, "code": "000000"})
        assert wrong.status_code == 422 and error_code(wrong) == "auth.code_invalid"
        other = owner.post(UNDO, json={"email": "eve@example.org", "code": undo_code})
        assert other.status_code == 422 and error_code(other) == "auth.code_invalid"
        undone = owner.post(UNDO, json={"email": ALICE, "code": undo_code})
        assert undone.status_code == 200 and undone.json()["status"] == "address_restored"
        again = owner.post(UNDO, json={"email": ALICE, "code": undo_code})
        assert again.status_code == 422  # used once

        # Locked: every session and token ended, and the intruder's second step is gone.
        assert client.get("/api/v1/me").status_code == 401
        headers = {"authorization": f"Bearer {token}"}
        assert owner.get("/api/v1/me", headers=headers).status_code == 401
        with ctx.db.session() as db:
            user = db.get(User, alice.id)
            assert user is not None and user.email == ALICE and user.compromised_at is not None
            assert user.totp_secret is None and user.totp_enabled_at is None
            actions = [e.action for e in audit.entries_about(db, alice.id)]
        assert actions[-1] == "account.email_change_undone"
        assert "locked" in mailbox.to(ALICE)[-1].get_content()

        # The owner unlocks it with a reset mailed to their own address again.
        assert owner.post("/api/v1/auth/password-reset", json={"email": ALICE}).status_code == 202
        reset = {"email": ALICE, "code": mailbox.last_code(ALICE), "new_password": NEW_PASSWORD}
        assert owner.post("/api/v1/auth/password-reset/confirm", json=reset).status_code == 200
        assert sign_in(owner, ALICE, NEW_PASSWORD)["user"]["email"] == ALICE


def test_p18_undo_code_lasts_7_days(
    client: TestClient, alice: User, mailbox: Mailbox, ctx: AppContext
) -> None:
    with ctx.clock.frozen() as clock:
        change(client, mailbox)
        clock.advance(timedelta(days=7, seconds=1))
        late = client.post(UNDO, json={"email": ALICE, "code": mailbox.last_code(ALICE)})
    assert late.status_code == 422 and error_code(late) == "auth.code_expired"


def test_p18_no_second_change_while_the_old_address_can_still_undo(
    client: TestClient, alice: User, mailbox: Mailbox, ctx: AppContext
) -> None:
    """Otherwise an intruder could move the address on and leave the owner's code useless."""
    with ctx.clock.frozen() as clock:
        change(client, mailbox)
        again = ask(client, "third@example.org")
        assert again.status_code == 409 and error_code(again) == "account.email_recently_changed"
        assert mailbox.to("third@example.org") == []
        clock.advance(timedelta(days=7, seconds=1))
        assert ask(client, "third@example.org").status_code == 202


def test_p18_asking_for_codes_is_throttled(
    client: TestClient, alice: User, mailbox: Mailbox, ctx: AppContext
) -> None:
    answers = [ask(client).status_code for _ in range(ctx.code_throttle.limit)]
    assert answers == [202] * ctx.code_throttle.limit
    limited = ask(client)
    assert limited.status_code == 429 and error_code(limited) == "auth.rate_limited"


def test_p18_losing_a_race_for_the_address_fails_like_a_wrong_code(
    client: TestClient, alice: User, make_user: Any, mailbox: Mailbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Two accounts confirming the same address at once: the database's unique address
    decides, and the loser gets the wrong-code answer, never a 500."""
    assert ask(client).status_code == 202
    make_user(NEW)
    monkeypatch.setattr(email_change, "find_user_by_email", lambda *_: None)  # the race
    lost = client.post(CONFIRM, json={"code": mailbox.last_code(NEW)})
    assert lost.status_code == 422 and error_code(lost) == "auth.code_invalid"
    monkeypatch.undo()
    assert client.get("/api/v1/me").json()["email"] == ALICE
