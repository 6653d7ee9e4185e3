"""Closing an account end to end in Debian's chromium (P19): the "Delete data" page asks for
the password and a mailed code, shows a signed receipt, and the account cannot sign in again.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.privacy.audit.receipts import verify_receipt
from hearthwatch.privacy.erasure.verify import verify
from tests.conftest import STRONG_PASSWORD
from tests.factories import add_camera, add_segments
from tests.support.browser import sign_in_page
from tests.support.smtp import Mailbox
from tests.web.test_browser import browser, fits_the_screen, phone  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

EXPECTED_REFUSALS = (
    "Failed to load resource: the server responded with a status of 403",
    "Failed to load resource: the server responded with a status of 401",
)


def test_p19_account_closure_in_the_browser(
    live_server: Any,
    ctx: AppContext,
    make_user: Any,
    mailbox: Mailbox,
    phone: tuple[Page, list[str]],  # noqa: F811
) -> None:
    page, errors = phone
    alice: User = make_user()
    camera_id = add_camera(ctx, alice.id)
    add_segments(ctx, alice.id, camera_id, range(0, 12, 4))

    sign_in_page(page, live_server.url, alice.email)
    expect(page.get_by_role("heading", name="My devices")).to_be_visible()
    page.goto(f"{live_server.url}/privacy/erase")
    expect(page.get_by_role("heading", name="Delete data", exact=True)).to_be_visible()
    assert fits_the_screen(page)
    page.get_by_role("button", name="Send me a code to confirm").click()
    expect(page.get_by_text("We mailed a 6-digit code")).to_be_visible()

    page.get_by_label("Password", exact=True).fill("not my password at all")
    page.get_by_label("Code from the mail").fill(mailbox.last_code(alice.email))
    page.get_by_role("button", name="Delete my account for good").click()
    expect(page.get_by_role("alert")).to_contain_text("The password is wrong.")

    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.get_by_label("Code from the mail").fill(mailbox.last_code(alice.email))
    page.get_by_role("button", name="Delete my account for good").click()
    expect(page.get_by_role("heading", name="Your account has been deleted")).to_be_visible()
    assert fits_the_screen(page)
    receipt = json.loads(page.locator("#receipt").inner_text())
    key = httpx.get(f"{live_server.url}/api/v1/privacy/receipt-key").json()["public_key"]
    assert verify_receipt(receipt, base64.b64decode(key))
    assert receipt["payload"]["scope"] == "account"
    assert receipt["payload"]["camera_ids"] == [camera_id]

    sign_in_page(page, live_server.url, alice.email)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("alert")).to_be_visible()
    assert verify(ctx, account_id=alice.id).ok
    # The refused forms answer 403 and 401 on purpose; nothing else (no CSP violation) may fail.
    assert [e for e in errors if not e.startswith(EXPECTED_REFUSALS)] == []
