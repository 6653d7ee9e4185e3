"""Changing the sign-in address through the web forms, and undoing it from the old address."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from tests.conftest import STRONG_PASSWORD
from tests.support.smtp import Mailbox
from tests.web.conftest import PageStructure, submit, web_sign_in

ALICE = "alice@example.org"
NEW = "alice.new@example.net"


def test_p18_the_profile_leads_to_changing_the_address(client: TestClient, web_alice: User) -> None:
    assert 'href="/profile/email"' in client.get("/profile").text
    page = client.get("/profile/email")
    # Issue 12 item 18: her own address, in full, to herself.
    assert page.status_code == 200 and ALICE in page.text and "a***@e***.org" not in page.text
    assert 'name="code"' not in page.text  # no code asked for yet


def test_p18_change_the_address_through_the_forms(
    client: TestClient, web_alice: User, app: FastAPI, mailbox: Mailbox
) -> None:
    with TestClient(app) as laptop:
        web_sign_in(laptop, ALICE)

        wrong = submit(client, "/profile/email", {"new_email": NEW, "password": "nope"})
        assert wrong.status_code == 401 and 'id="password-error"' in wrong.text
        assert f'value="{NEW}"' in wrong.text  # what was typed is kept, never the password
        bad = submit(client, "/profile/email", {"new_email": "nope", "password": STRONG_PASSWORD})
        assert bad.status_code == 422 and 'id="new_email-error"' in bad.text

        asked = submit(client, "/profile/email", {"new_email": NEW, "password": STRONG_PASSWORD})
        assert asked.status_code == 303
        assert asked.headers["location"] == "/profile/email?done=email_code_sent"
        pending = client.get(asked.headers["location"]).text
        assert NEW in pending and 'name="code"' in pending

        wrong_code = submit(client, "/profile/email/confirm", {"code": "000000"}, page="/profile")
        assert wrong_code.status_code == 422 and 'id="code-error"' in wrong_code.text
        done = submit(
            client, "/profile/email/confirm", {"code": mailbox.last_code(NEW)}, page="/profile"
        )
        assert done.status_code == 303 and done.headers["location"] == "/profile?done=email_changed"
        profile = client.get(done.headers["location"]).text
        assert NEW in profile and "You now sign in with your new address" in profile
        # The other browser was signed out; this one stays.
        assert laptop.get("/profile", follow_redirects=False).status_code == 303


def test_p18_undo_page_restores_the_address_and_sends_to_the_reset(
    client: TestClient, web_alice: User, app: FastAPI, mailbox: Mailbox, ctx: AppContext
) -> None:
    submit(client, "/profile/email", {"new_email": NEW, "password": STRONG_PASSWORD})
    submit(client, "/profile/email/confirm", {"code": mailbox.last_code(NEW)}, page="/profile")
    code = mailbox.last_code(ALICE)
    with TestClient(app) as owner:
        page = owner.get(f"/email/undo?email={ALICE}")
        assert page.status_code == 200 and f'value="{ALICE}"' in page.text
        controls = {c.get("name") for c in PageStructure(page.text).controls()}
        assert {"email", "code"} <= controls
        wrong = submit(owner, "/email/undo", {"email": ALICE, "code": "000000"})
        assert wrong.status_code == 422 and 'id="code-error"' in wrong.text
        undone = submit(owner, "/email/undo", {"email": ALICE, "code": code})
        assert undone.status_code == 303
        assert undone.headers["location"].startswith("/reset?email=alice%40example.org")
        assert "account is locked" in owner.get(undone.headers["location"]).text
    assert client.get("/profile", follow_redirects=False).status_code == 303  # signed out
