"""P1 (issue 11, item 11): how long sign-up takes does not tell which addresses have accounts.

Timing a loaded 2-core machine is noise; instead the tests prove the costly steps are the
same on both paths: one Argon2 hash each, and no mail sent while the client waits.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from hearthwatch.context import AppContext
from hearthwatch.mail import Mailer, OutgoingMail
from hearthwatch.security.passwords import PasswordPolicy
from tests.conftest import ADULT_BIRTH_MONTH, STRONG_PASSWORD, LiveServer
from tests.support.smtp import Mailbox
from tests.web.conftest import csrf_of

REGISTER = "/api/v1/auth/register"
CHILD_BIRTH_MONTH = "2020-01"


class CountingPasswords(PasswordPolicy):
    """The real policy, counting the Argon2 hashes it makes."""

    hashes = 0

    def hash(self, password: str) -> str:
        self.hashes += 1
        return super().hash(password)


class HeldMailer:
    """Hands mails to the real mailer only once released, so a test sees whether an answer
    waited for its mails."""

    def __init__(self, mailer: Mailer) -> None:
        self.mailer = mailer
        self.release = threading.Event()
        self.sent = threading.Semaphore(0)

    def send(self, mail: OutgoingMail) -> None:
        assert self.release.wait(30), "the mail was never released"
        self.mailer.send(mail)
        self.sent.release()


@pytest.fixture
def passwords(ctx: AppContext) -> CountingPasswords:
    counting = CountingPasswords(
        min_score=ctx.settings.min_password_score,
        time_cost=ctx.settings.argon2_time_cost,
        memory_kib=ctx.settings.argon2_memory_kib,
    )
    ctx.passwords = counting
    return counting


def wait_for_mail(mailbox: Mailbox, address: str) -> None:
    deadline = time.monotonic() + 20
    while not mailbox.to(address):
        assert time.monotonic() < deadline, f"no mail reached {address}"
        time.sleep(0.01)


def sign_up(client: TestClient | httpx.Client, email: str, **fields: Any) -> Any:
    body = {"email": email, "password": STRONG_PASSWORD, "birth_month": ADULT_BIRTH_MONTH}
    return client.post(REGISTER, json=body | fields)


@pytest.mark.parametrize("birth_month", [ADULT_BIRTH_MONTH, CHILD_BIRTH_MONTH])
def test_p1_item11_taken_and_new_addresses_both_hash_the_password(
    client: TestClient, passwords: CountingPasswords, make_user: Any, birth_month: str
) -> None:
    make_user(email="taken@example.org")
    extra = {"birth_month": birth_month, "guardian_email": "parent@example.org"}
    answers = []
    for email in ("new@example.org", "taken@example.org"):
        before = passwords.hashes
        answers.append(sign_up(client, email, **extra))
        assert passwords.hashes - before == 1, email
    assert answers[0].status_code == answers[1].status_code == 202
    assert answers[0].content == answers[1].content


def test_p1_item11_unconfirmed_taken_address_costs_the_same(
    client: TestClient, passwords: CountingPasswords, mailbox: Mailbox
) -> None:
    first = sign_up(client, "pending@example.org")
    before = passwords.hashes
    again = sign_up(client, "pending@example.org")
    assert passwords.hashes - before == 1
    assert again.content == first.content
    assert len(mailbox.to("pending@example.org")) == 2  # a fresh code, as before


def test_p1_item11_sign_up_answers_before_any_mail_is_sent(
    live_server: LiveServer, ctx: AppContext, make_user: Any, mailbox: Mailbox
) -> None:
    make_user(email="taken@example.org")
    mailbox.clear()
    held = HeldMailer(ctx.mailer)
    ctx.mailer = held
    with httpx.Client(base_url=live_server.url, timeout=20) as client:
        fresh = sign_up(client, "new@example.org")
        child = sign_up(
            client, "kid@example.org", birth_month=CHILD_BIRTH_MONTH, guardian_email="p@example.org"
        )
        taken = sign_up(client, "taken@example.org")
    assert fresh.status_code == child.status_code == taken.status_code == 202
    assert fresh.content == taken.content
    assert mailbox.messages == []  # every answer came while all mails were held
    held.release.set()
    for _ in range(3):  # new: its code; child: its code and the guardian's link
        assert held.sent.acquire(timeout=20)
    assert {m["To"] for m in mailbox.messages} == {
        "new@example.org",
        "kid@example.org",
        "p@example.org",
    }
    assert mailbox.last_code("new@example.org")


def test_p1_item11_signup_page_mails_after_answering_too(
    live_server: LiveServer, ctx: AppContext, mailbox: Mailbox
) -> None:
    held = HeldMailer(ctx.mailer)
    ctx.mailer = held
    with httpx.Client(base_url=live_server.url, timeout=20) as client:
        page = client.get("/signup")
        form = {
            "csrf_token": csrf_of(page.text),
            "email": "web@example.org",
            "password": STRONG_PASSWORD,
            "birth_month": ADULT_BIRTH_MONTH,
        }
        answer = client.post("/signup", data=form)
    assert page.status_code == 200
    assert answer.status_code == 303, answer.text
    assert mailbox.messages == []
    held.release.set()
    assert held.sent.acquire(timeout=20)
    assert mailbox.last_code("web@example.org")


@pytest.mark.parametrize(
    ("path", "field"),
    [("/api/v1/auth/password-reset", "reset"), ("/api/v1/auth/confirm/resend", "resend")],
)
def test_p2_item11_reset_and_resend_answer_before_any_mail_for_any_address(
    live_server: LiveServer,
    ctx: AppContext,
    make_user: Any,
    mailbox: Mailbox,
    path: str,
    field: str,
) -> None:
    """A reset code (P2) or a new confirmation code goes only to an existing account; the
    answer must not wait for that mail, or its timing tells which addresses have accounts."""
    with httpx.Client(base_url=live_server.url, timeout=20) as client:
        if field == "reset":
            make_user(email="taken@example.org")
        else:
            assert sign_up(client, "taken@example.org").status_code == 202
            wait_for_mail(mailbox, "taken@example.org")  # sign-up's own, sent after its answer
        mailbox.clear()
        held = HeldMailer(ctx.mailer)
        ctx.mailer = held
        known = client.post(path, json={"email": "taken@example.org"})
        unknown = client.post(path, json={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert mailbox.messages == []  # the answers came while the mail was held
    held.release.set()
    assert held.sent.acquire(timeout=20)
    assert mailbox.last_code("taken@example.org")
    assert mailbox.to("nobody@example.org") == []
