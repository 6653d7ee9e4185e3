"""P3 (issue 11, item 12): wrong passwords slow down the guesser, never lock out the owner.

Failures count per (account, client address) with growing delays; the owner can always
sign in with a one-time code mailed to the account's address.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.security.throttle import Throttle
from tests.accounts.test_two_factor import enable_totp
from tests.conftest import STRONG_PASSWORD, sign_in
from tests.support.smtp import Mailbox
from tests.web.conftest import submit

LOGIN = "/api/v1/auth/login"
CODE = "/api/v1/auth/sign-in-code"
CODE_CONFIRM = "/api/v1/auth/sign-in-code/confirm"
ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"


@pytest.fixture(autouse=True)
def roomy_address_window(ctx: AppContext) -> None:
    """The per-address window (30 a minute) runs on real time; these tests look at the
    per-pair delays, which run on the service's (frozen) clock."""
    ctx.login_throttle = Throttle(limit=10_000, window_s=60)


@pytest.fixture
def attacker(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, client=(ATTACKER, 40000)) as client:
        yield client


@pytest.fixture
def owner(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, client=(OWNER, 40001)) as client:
        yield client


def guess(client: TestClient, email: str = "alice@example.org", password: str = "wrong") -> Any:
    return client.post(LOGIN, json={"email": email, "password": password + "-guess-123"})


def hammer(client: TestClient, ctx: AppContext, email: str = "alice@example.org") -> list[Any]:
    """Guess until the pair is slowed down, waiting out each delay (frozen clock)."""
    answers = []
    for _ in range(ctx.settings.login_failures_before_lock + 6):
        answer = guess(client, email)
        if answer.status_code == 429:
            ctx.clock.advance(timedelta(seconds=answer.json()["error"]["details"]["retry_after_s"]))
            answer = guess(client, email)
        answers.append(answer)
    return answers


def test_p3_item12_attackers_failures_do_not_lock_out_the_owner(
    attacker: TestClient, owner: TestClient, ctx: AppContext, make_user: Any
) -> None:
    make_user()
    with ctx.clock.frozen():
        hammer(attacker, ctx)
        slowed = guess(attacker, password=STRONG_PASSWORD)
        assert slowed.status_code == 429
        assert slowed.json()["error"]["code"] == "auth.too_many_failures"
        assert "sign in with a code" in slowed.json()["error"]["message"]
        assert sign_in(owner, "alice@example.org")["user"]["email"] == "alice@example.org"


def test_p3_item12_delays_grow_per_pair_up_to_the_cap(
    attacker: TestClient, ctx: AppContext, make_user: Any
) -> None:
    make_user()
    waits = []
    with ctx.clock.frozen() as clock:
        for _ in range(ctx.settings.login_failures_before_lock):
            assert guess(attacker).status_code == 401  # the first few cost nothing
        for _ in range(12):
            assert guess(attacker).status_code == 401
            refused = guess(attacker)
            assert refused.status_code == 429
            waits.append(refused.json()["error"]["details"]["retry_after_s"])
            clock.advance(timedelta(seconds=waits[-1] - 1))
            assert guess(attacker).status_code == 429  # a second early is still too early
            clock.advance(timedelta(seconds=1))
    cap = ctx.settings.login_lock_minutes * 60
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, cap, cap]


def test_p3_item12_unknown_addresses_are_slowed_the_same(
    attacker: TestClient, ctx: AppContext, make_user: Any
) -> None:
    make_user()
    with ctx.clock.frozen():
        known = [a.json() for a in hammer(attacker, ctx)]
        unknown = [a.json() for a in hammer(attacker, ctx, email="nobody@example.org")]
    assert known == unknown


def test_p3_item12_owner_signs_in_with_a_mailed_code_while_attacked(
    attacker: TestClient, ctx: AppContext, make_user: Any, mailbox: Mailbox
) -> None:
    make_user()
    with ctx.clock.frozen():
        hammer(attacker, ctx)  # the owner sits behind the attacker's address
        assert guess(attacker, password=STRONG_PASSWORD).status_code == 429
        asked = attacker.post(CODE, json={"email": "alice@example.org"})
        unknown = attacker.post(CODE, json={"email": "nobody@example.org"})
        assert asked.status_code == unknown.status_code == 202
        assert asked.json() == unknown.json()
        assert mailbox.to("nobody@example.org") == []
        code = mailbox.last_code("alice@example.org")
        opened = attacker.post(CODE_CONFIRM, json={"email": "alice@example.org", "code": code})
        assert opened.status_code == 200, opened.text
        assert attacker.get("/api/v1/me").json()["email"] == "alice@example.org"
        again = attacker.post(CODE_CONFIRM, json={"email": "alice@example.org", "code": code})
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "auth.code_invalid"  # one-time


def test_p3_item12_sign_in_code_expires_after_ten_minutes(
    owner: TestClient, ctx: AppContext, make_user: Any, mailbox: Mailbox
) -> None:
    make_user()
    with ctx.clock.frozen() as clock:
        owner.post(CODE, json={"email": "alice@example.org"})
        code = mailbox.last_code("alice@example.org")
        clock.advance(timedelta(minutes=10, seconds=1))
        late = owner.post(CODE_CONFIRM, json={"email": "alice@example.org", "code": code})
    assert late.status_code == 422
    assert late.json()["error"]["code"] == "auth.code_expired"


def test_p3_item12_sign_in_codes_are_rate_limited(
    owner: TestClient, make_user: Any, ctx: AppContext
) -> None:
    make_user()
    statuses = [
        owner.post(CODE, json={"email": "alice@example.org"}).status_code
        for _ in range(ctx.code_throttle.limit + 1)
    ]
    assert set(statuses[:-1]) == {202}
    assert statuses[-1] == 429


def test_p3_item12_sign_in_code_still_needs_the_authenticator(
    client: TestClient, alice: User, ctx: AppContext, mailbox: Mailbox
) -> None:
    with ctx.clock.frozen() as clock:
        totp = enable_totp(client, ctx)
        client.cookies.clear()
        client.post(CODE, json={"email": alice.email})
        code = mailbox.last_code(alice.email)
        needs = client.post(CODE_CONFIRM, json={"email": alice.email, "code": code})
        assert needs.status_code == 401
        assert needs.json()["error"]["code"] == "auth.totp_required"
        clock.advance(timedelta(seconds=30))
        both = {"email": alice.email, "code": code, "totp_code": totp.at(clock.now())}
        assert client.post(CODE_CONFIRM, json=both).status_code == 200


def test_p3_item12_sign_in_page_offers_a_mailed_code(
    client: TestClient, make_user: Any, mailbox: Mailbox
) -> None:
    make_user()
    page = client.get("/signin")
    assert "Send me a sign-in code" in page.text
    sent = submit(client, "/signin/code", {"email": "alice@example.org"}, page="/signin")
    assert sent.status_code == 303
    assert sent.headers["location"].startswith("/signin/code?")
    code = mailbox.last_code("alice@example.org")
    fields = {"email": "alice@example.org", "code": code}
    opened = submit(client, "/signin/code/confirm", fields, page=sent.headers["location"])
    assert opened.status_code == 303, opened.text
    assert opened.headers["location"] == "/"
    assert client.get("/api/v1/me").json()["email"] == "alice@example.org"
