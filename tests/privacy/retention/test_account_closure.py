"""P34 from the user's side: "Close my account" in the API and the web app. The data stays 6
months and is then deleted for good; sign-in is refused with the date; every session and
token ends at once, recording stops, the owner is mailed a signed receipt."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.audit.receipts import verify_receipt
from hearthwatch.privacy.retention import service as retention
from hearthwatch.privacy.rights.deadlines import add_months
from tests.conftest import STRONG_PASSWORD, sign_in
from tests.factories import add_camera_with_a_segment, audit_actions, row_exists
from tests.support.forms import csrf
from tests.support.smtp import Mailbox
from tests.web.conftest import PageStructure, web_sign_in

CLOSE = "/api/v1/privacy/closure"
LOGIN = "/api/v1/auth/login"


def login(client: TestClient, email: str = "alice@example.org") -> Any:
    return client.post(LOGIN, json={"email": email, "password": STRONG_PASSWORD})


def test_p34_close_my_account_over_the_api(
    client: TestClient, app: FastAPI, ctx: AppContext, alice: User, mailbox: Mailbox
) -> None:
    camera_id = add_camera_with_a_segment(ctx, alice.id)
    secret = client.post("/api/v1/me/tokens", json={"name": "script"}).json()["secret"]
    with TestClient(app) as phone:
        sign_in(phone, alice.email)

        wrong = client.post(CLOSE, json={"password": "not my password"})
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "privacy.reauth_failed"
        assert client.get("/api/v1/me").status_code == 200  # nothing happened

        closed = client.post(CLOSE, json={"password": STRONG_PASSWORD})
        assert closed.status_code == 200, closed.text
        assert phone.get("/api/v1/me").status_code == 401  # every session ended
    body = closed.json()
    closed_at = datetime.fromisoformat(body["closed_at"])
    assert datetime.fromisoformat(body["delete_after"]) == add_months(closed_at, 6)
    payload = body["receipt"]["payload"]
    assert (payload["sessions_ended"], payload["tokens_ended"], payload["cameras_stopped"]) == (
        2, 1, 1,
    )  # fmt: skip
    key = client.get("/api/v1/privacy/receipt-key").json()["public_key"]
    assert verify_receipt(body["receipt"], base64.b64decode(key))
    assert 'hw_session=""' in closed.headers["set-cookie"]  # this session's cookie goes too

    assert client.get("/api/v1/me").status_code == 401
    bearer = TestClient(app, headers={"authorization": f"Bearer {secret}"})
    assert bearer.get("/api/v1/me").status_code == 401  # every token ended
    with ctx.db.session() as db:
        assert db.get(Camera, camera_id).recording_mode == "off"  # type: ignore[union-attr]
    assert "retention.account_closed" in audit_actions(ctx, f"user:{alice.id}")

    (mail,) = [m for m in mailbox.to(alice.email) if "closed" in str(m["Subject"])]
    text = mail.get_content()
    assert f"kept until {add_months(closed_at, 6):%d %B %Y}" in text
    assert payload["receipt_id"] in text and "cannot be reopened" in text

    refused = login(client)
    assert refused.status_code == 423
    error = refused.json()["error"]
    assert error["code"] == "auth.account_closed"
    assert datetime.fromisoformat(error["details"]["delete_after"]) == add_months(closed_at, 6)
    assert f"{add_months(closed_at, 6):%d %B %Y}" in error["message"]


@pytest.mark.parametrize(
    "body",
    [{}, {"password": ""}, {"password": STRONG_PASSWORD, "erase": True}, {"password": 1}],
)
def test_p34_closure_refuses_bad_input_with_a_code(
    client: TestClient, alice: User, body: Any
) -> None:
    answer = client.post(CLOSE, json=body)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "request.invalid"
    assert client.get("/api/v1/me").status_code == 200


def test_p34_closure_needs_a_signed_in_caller(client: TestClient) -> None:
    answer = client.post(CLOSE, json={"password": STRONG_PASSWORD})
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "auth.required"


def test_p34_closure_asks_for_the_authenticator_code_when_on(
    client: TestClient, ctx: AppContext, alice: User
) -> None:
    with ctx.clock.frozen() as clock:
        setup = client.post("/api/v1/me/two-factor/setup").json()
        totp = pyotp.TOTP(setup["secret"])
        client.post("/api/v1/me/two-factor/enable", json={"code": totp.at(clock.now())})
        missing = client.post(CLOSE, json={"password": STRONG_PASSWORD})
        assert missing.json()["error"]["code"] == "auth.totp_required"
        assert client.get("/api/v1/me").status_code == 200
        clock.advance(timedelta(seconds=30))
        done = client.post(
            CLOSE, json={"password": STRONG_PASSWORD, "totp_code": totp.at(clock.now())}
        )
        assert done.status_code == 200, done.text


def test_p34_closed_account_deleted_for_good_six_months_later(
    client: TestClient, ctx: AppContext, make_user: Any, mailbox: Mailbox
) -> None:
    with ctx.clock.frozen(datetime(2030, 1, 1, 12, tzinfo=UTC)) as clock:
        alice: User = make_user()
        camera_id = add_camera_with_a_segment(ctx, alice.id)
        sign_in(client, alice.email)
        assert client.post(CLOSE, json={"password": STRONG_PASSWORD}).status_code == 200
        # Closed 1 January: kept until 1 July, six calendar months (181 days) later.
        clock.advance(timedelta(days=181, seconds=-1))
        assert retention.sweep(ctx).closed_accounts_erased == 0
        assert row_exists(ctx, User, alice.id) and row_exists(ctx, Camera, camera_id)
        clock.advance(timedelta(seconds=1))
        assert retention.sweep(ctx).closed_accounts_erased == 1
    assert not row_exists(ctx, User, alice.id) and not row_exists(ctx, Camera, camera_id)
    assert list(ctx.vault.blobs.keys(f"{alice.id}/")) == []
    assert "retention.account_erased.closed" in audit_actions(ctx, audit.SYSTEM)
    assert login(client).json()["error"]["code"] == "auth.invalid_credentials"


def test_p34_close_my_account_on_the_web(
    client: TestClient, ctx: AppContext, make_user: Any, mailbox: Mailbox
) -> None:
    alice: User = make_user()
    web_sign_in(client, alice.email)
    for page in ("/privacy", "/privacy/erase"):
        assert 'href="/privacy/close"' in client.get(page).text
    shown = client.get("/privacy/close")
    assert shown.status_code == 200
    for promise in ("kept for 6 months", "deleted for good", "stop recording",
                    "Every session and API token ends", "cannot be reopened"):  # fmt: skip
        assert promise in shown.text
    structure = PageStructure(shown.text)
    labelled = {attrs["for"] for attrs in structure.all("label")}
    assert "cl-password" in {c["id"] for c in structure.controls()} <= labelled
    assert "cl-totp_code" not in shown.text  # two-step sign-in is off
    assert (structure.inline_scripts, structure.style_blocks, structure.styled()) == (0, 0, [])

    token = csrf(client, "/privacy/close")
    wrong = client.post("/privacy/close", data={"csrf_token": token, "password": "nope nope"})
    assert wrong.status_code == 401
    assert 'id="cl-password-error"' in wrong.text and "The password is wrong." in wrong.text
    empty = client.post("/privacy/close", data={"csrf_token": token})
    assert empty.status_code == 422 and 'id="cl-password-error"' in empty.text

    done = client.post("/privacy/close", data={"csrf_token": token, "password": STRONG_PASSWORD})
    assert done.status_code == 200
    assert "Your account is closed" in done.text and "account_closure" in done.text
    assert 'aria-label="Main"' not in done.text  # signed out
    assert any("closed" in str(m["Subject"]) for m in mailbox.to(alice.email))
    assert client.get("/", follow_redirects=False).status_code == 303

    again = client.post(
        "/signin",
        data={"csrf_token": csrf(client, "/signin"), "email": alice.email,
              "password": STRONG_PASSWORD},
    )  # fmt: skip
    assert again.status_code == 423 and "was closed on" in again.text
    assert "cannot be reopened" in again.text and "Reset your password to unlock" not in again.text
