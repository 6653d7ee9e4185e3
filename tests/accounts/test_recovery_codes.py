"""Issue 12 item 17 (P3): recovery codes for two-step sign-in, through the API and the web
forms: shown once, stored hashed, each usable once, replaced on demand, counted; and the
code asked as a step of its own after the password."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from tests.conftest import STRONG_PASSWORD
from tests.web.conftest import submit

LOGIN = "/api/v1/auth/login"
CODES = "/api/v1/me/two-factor/recovery-codes"


def turn_on(client: TestClient, ctx: AppContext) -> tuple[pyotp.TOTP, list[str]]:
    setup = client.post("/api/v1/me/two-factor/setup").json()
    totp = pyotp.TOTP(setup["secret"])
    answer = client.post("/api/v1/me/two-factor/enable", json={"code": totp.at(ctx.clock.now())})
    assert answer.status_code == 200 and answer.json()["two_factor_enabled"] is True
    codes: list[str] = answer.json()["recovery_codes"]
    return totp, codes


def test_issue12_item17_p3_ten_codes_shown_once_each_signs_in_once(
    client: TestClient, alice: User, ctx: AppContext
) -> None:
    _, codes = turn_on(client, ctx)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(CODES).json() == {"remaining": 10, "recovery_codes": None}
    credentials = {"email": alice.email, "password": STRONG_PASSWORD}
    # Typed loosely: upper case, no dash.
    typed = codes[3].upper().replace("-", "")
    assert client.post(LOGIN, json=credentials | {"recovery_code": typed}).status_code == 200
    again = client.post(LOGIN, json=credentials | {"recovery_code": codes[3]})
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "auth.recovery_code_invalid"
    assert client.post(LOGIN, json=credentials | {"recovery_code": codes[4]}).status_code == 200
    assert client.get(CODES).json()["remaining"] == 8


def test_issue12_item17_codes_are_stored_as_keyed_hashes(
    client: TestClient, alice: User, ctx: AppContext
) -> None:
    _, codes = turn_on(client, ctx)
    with ctx.db.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT code_hash FROM recovery_codes")
        stored = [row[0] for row in rows]
    assert len(stored) == 10
    dump = " ".join(stored)
    for code in codes:
        assert code not in dump and code.replace("-", "") not in dump


def test_issue12_item17_new_codes_replace_the_old_ones_after_the_password(
    client: TestClient, alice: User, ctx: AppContext
) -> None:
    _, old = turn_on(client, ctx)
    wrong = client.post(CODES, json={"password": "not-the-password-1"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "auth.invalid_credentials"
    fresh = client.post(CODES, json={"password": STRONG_PASSWORD}).json()
    assert fresh["remaining"] == 10 and not set(fresh["recovery_codes"]) & set(old)
    credentials = {"email": alice.email, "password": STRONG_PASSWORD}
    stale = client.post(LOGIN, json=credentials | {"recovery_code": old[0]})
    assert stale.json()["error"]["code"] == "auth.recovery_code_invalid"
    used = client.post(LOGIN, json=credentials | {"recovery_code": fresh["recovery_codes"][0]})
    assert used.status_code == 200


def test_issue12_item17_turning_off_discards_the_codes(
    client: TestClient, alice: User, ctx: AppContext
) -> None:
    with ctx.clock.frozen() as clock:
        totp, _ = turn_on(client, ctx)
        clock.advance(timedelta(seconds=30))
        off = client.post(
            "/api/v1/me/two-factor/disable",
            json={"password": STRONG_PASSWORD, "code": totp.at(clock.now())},
        )
        assert off.status_code == 200
    assert client.get(CODES).json()["remaining"] == 0
    refused = client.post(CODES, json={"password": STRONG_PASSWORD})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "auth.totp_not_enabled"


@pytest.mark.parametrize("typed", ["short", "x" * 17, "abcde_fghjk", "<script>alert</s>"])
def test_issue12_item17_a_malformed_recovery_code_is_a_validation_error(
    client: TestClient, alice: User, typed: str
) -> None:
    answer = client.post(
        LOGIN, json={"email": alice.email, "password": STRONG_PASSWORD, "recovery_code": typed}
    )
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "request.invalid"


# --- the web sign-in's second step ----------------------------------------------------------


def _web_turn_on(client: TestClient, ctx: AppContext, make_user: Any) -> list[str]:
    make_user()
    from tests.conftest import sign_in

    sign_in(client, "alice@example.org")
    _, codes = turn_on(client, ctx)
    client.post("/api/v1/auth/logout")
    client.cookies.clear()
    return codes


def test_issue12_item17_the_web_step_takes_a_recovery_code_once(
    client: TestClient, ctx: AppContext, make_user: Any
) -> None:
    codes = _web_turn_on(client, ctx, make_user)
    fields = {"email": "alice@example.org", "password": STRONG_PASSWORD}
    assert submit(client, "/signin", fields).status_code == 303
    done = submit(client, "/signin/two-step", {"code": codes[0], "next": "/security"})
    assert done.status_code == 303 and done.headers["location"] == "/security"
    page = client.get("/security").text
    assert "<strong>9</strong> of 10 recovery codes left." in page
    assert "hw_two_step" not in client.cookies  # the ticket went with the step

    submit(client, "/signout", page="/")
    assert submit(client, "/signin", fields).status_code == 303
    reused = submit(client, "/signin/two-step", {"code": codes[0]}, page="/signin/two-step")
    assert reused.status_code == 422
    assert "That recovery code is wrong or was used already." in reused.text


def test_issue12_item17_the_step_without_a_valid_ticket_starts_again(
    client: TestClient, ctx: AppContext, make_user: Any
) -> None:
    codes = _web_turn_on(client, ctx, make_user)
    direct = client.get("/signin/two-step")
    assert direct.status_code == 401
    assert "Enter your e-mail address and password again" in direct.text
    with ctx.clock.frozen() as clock:
        fields = {"email": "alice@example.org", "password": STRONG_PASSWORD}
        assert submit(client, "/signin", fields).status_code == 303
        page = client.get("/signin/two-step")
        clock.advance(timedelta(minutes=6))
        late = submit(client, "/signin/two-step", {"code": codes[1]}, page="/signin")
        assert late.status_code == 401 and 'name="password"' in late.text
        assert page.status_code == 200
    # A forged ticket is refused the same way.
    client.cookies.set("hw_two_step", "0" * 32 + ".9999999999.abc", path="/signin/two-step")
    forged = submit(client, "/signin/two-step", {"code": codes[1]}, page="/signin")
    assert forged.status_code == 401


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "not a code at all, far too long!!"])
def test_issue12_item17_a_malformed_web_code_is_explained(
    client: TestClient, ctx: AppContext, make_user: Any, typed: str
) -> None:
    _web_turn_on(client, ctx, make_user)
    fields = {"email": "alice@example.org", "password": STRONG_PASSWORD}
    assert submit(client, "/signin", fields).status_code == 303
    answer = submit(client, "/signin/two-step", {"code": typed}, page="/signin/two-step")
    assert answer.status_code == 422 and 'id="code-error"' in answer.text


def test_issue12_item17_a_mailed_sign_in_code_leads_to_the_same_second_step(
    client: TestClient, ctx: AppContext, make_user: Any, mailbox: Any
) -> None:
    codes = _web_turn_on(client, ctx, make_user)
    sent = submit(client, "/signin/code", {"email": "alice@example.org"}, page="/signin")
    assert sent.status_code == 303
    fields = {"email": "alice@example.org", "code": mailbox.last_code("alice@example.org")}
    asked = submit(client, "/signin/code/confirm", fields, page=sent.headers["location"])
    assert asked.status_code == 303 and asked.headers["location"].startswith("/signin/two-step")
    done = submit(client, "/signin/two-step", {"code": codes[5]}, page=asked.headers["location"])
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert client.get("/security").status_code == 200
