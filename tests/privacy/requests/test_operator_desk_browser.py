"""An operator answers a rights request on a phone in Debian's chromium (P25, P26)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from tests.support.browser import sign_in_page
from tests.support.rights_requests import verified_request
from tests.support.smtp import Mailbox
from tests.web.test_browser import browser, fits_the_screen, phone  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def test_p25_operator_extends_and_answers_a_request_on_a_phone(
    live_server: Any, client: TestClient, alice: User, ctx: AppContext, make_user: Any,
    mailbox: Mailbox, phone: tuple[Page, list[str]],  # noqa: F811
) -> None:  # fmt: skip
    page, errors = phone
    request_id = verified_request(client, mailbox)
    ctx.settings.operator_emails = "olga@example.net"
    make_user("olga@example.net")

    sign_in_page(page, live_server.url, "olga@example.net")
    page.get_by_role("link", name="Requests desk").click()
    expect(page.get_by_role("heading", name="Rights requests desk")).to_be_visible()
    row = page.get_by_role("listitem").filter(has_text="a***@e***.org")
    expect(row).to_contain_text("Identity verified, to start")
    assert fits_the_screen(page)
    row.get_by_role("link", name="Correct data I cannot edit myself").click()
    expect(page.get_by_text("My activation date is wrong.")).to_be_visible()

    page.get_by_role("button", name="Start work").click()
    expect(page.get_by_text("Work on the request has started.")).to_be_visible()
    page.get_by_role("button", name="Extend deadline").click()  # no reason yet
    reason = page.get_by_label("Why more time is needed")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#extension_reason-error")).to_contain_text("Say why more time")
    page.get_by_label("Extend by").select_option("2")
    reason.fill("The old records are in an archive.")
    page.get_by_role("button", name="Extend deadline").click()
    expect(page.get_by_text("The deadline is extended")).to_be_visible()
    expect(page.get_by_label("Extend by")).to_have_count(0)  # two months is the most

    page.get_by_label("Answer to the person").fill("Your activation date is now 3 May.")
    page.get_by_role("button", name="Complete request").click()
    expect(page.get_by_text("The request is completed")).to_be_visible()
    expect(page.get_by_role("button", name="Complete request")).to_have_count(0)
    assert fits_the_screen(page)
    # The form shown again with its problem is answered 422, which the console reports.
    assert [e for e in errors if "status of 422" not in e] == []

    own = client.get(f"/api/v1/privacy/requests/{request_id}").json()
    assert own["status"] == "completed" and own["extended_months"] == 2
    assert own["resolution"] == "Your activation date is now 3 May."
