"""Issue 12 item 19 in Debian's chromium: "See your data" grouped by subject, readable at
360 px phone width, and holding the same data as the API (P17 access, P23 portability)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Locator, Page, expect

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from tests.conftest import STRONG_PASSWORD
from tests.factories import add_camera_with_a_segment
from tests.support.browser import chromium, watched_page

pytestmark = pytest.mark.browser

NARROW = {"width": 360, "height": 740}
GROUPS = {
    "account": "Your account",
    "signins": "Sign-ins and sessions",
    "cameras": "Cameras",
    "recordings": "Recordings",
    "consents": "Consents, restrictions and objections",
    "requests": "Your requests, copies and erasures",
    "log": "The audit log about you",
}
RAW_NAME = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")  # a database column name, not words


@pytest.fixture
def phone(tmp_path: Path) -> Iterator[tuple[Page, list[str]]]:
    with chromium() as browser, phone_page(browser, tmp_path) as watched:
        yield watched


def phone_page(browser: Browser, folder: Path) -> Any:
    return watched_page(
        browser, screenshot=folder / "hw-last-page.png", viewport=NARROW, is_mobile=True,
        has_touch=True, locale="en-GB", timezone_id="Europe/Berlin",
    )  # fmt: skip


def with_data_on_every_subject(client: TestClient, ctx: AppContext, alice: User) -> None:
    """Alice signed in (a session, log entries), with a camera and a recording, a token,
    a consent, a restriction and a request."""
    add_camera_with_a_segment(ctx, alice.id)
    made = [
        client.post("/api/v1/me/tokens", json={"name": "Home Assistant"}),
        client.post("/api/v1/privacy/consents/marketing_email/grant"),
        client.post(
            "/api/v1/privacy/limits/restrictions",
            json={"use": "product_analytics", "reason": "Moving house"},
        ),
        client.post(
            "/api/v1/privacy/requests",
            json={"kind": "access", "details": "Which cameras?", "password": STRONG_PASSWORD},
        ),
    ]
    assert [r.status_code for r in made] == [201, 200, 201, 201], [r.text for r in made]


def sign_in(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/privacy/data")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Everything we hold about you")).to_be_visible()


def shows(field: Locator, column: str, value: Any) -> None:
    """The page shows the API's value: dates as <time> of the same instant, the rest as text."""
    if isinstance(value, str) and re.match(r"^\d{4}-\d\d-\d\dT", value):
        shown = field.locator("time").get_attribute("datetime") or ""
        assert datetime.fromisoformat(shown) == datetime.fromisoformat(value), (shown, value)
    elif isinstance(value, bool):
        expect(field.locator("dd")).to_have_text("Yes" if value else "No")
    elif value is None:
        expect(field.locator("dd")).to_have_text("—")
    elif isinstance(value, dict):
        expect(field.locator("dd")).not_to_be_empty()
    elif column.endswith("_us"):  # microseconds since the epoch: a date
        assert field.locator("time").count() == 1
    else:
        expect(field.locator("dd")).to_contain_text(str(value))


def test_p17_p23_issue12_item19_see_your_data_at_phone_width(
    live_server: Any,
    client: TestClient,
    ctx: AppContext,
    alice: User,
    phone: tuple[Page, list[str]],
) -> None:
    with_data_on_every_subject(client, ctx, alice)
    page, errors = phone
    sign_in(page, live_server.url, alice.email)

    # Readable at 360 px: nothing wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], width

    # Every subject is there, in words, and named in the page's index.
    for key, title in GROUPS.items():
        group = page.locator(f'[data-group="{key}"]')
        expect(group.get_by_role("heading", name=title, exact=True)).to_be_visible()
        expect(page.get_by_role("navigation").get_by_role("link", name=title)).to_be_visible()

    # Labels are words, not column names; dates are local and readable.
    labels = page.locator(".data-record:visible dt").all_inner_texts()
    assert labels and not [label for label in labels if RAW_NAME.match(label)], labels
    created = page.locator('[data-table="users"] [data-field="created_at"] time')
    assert not re.search(r"\d{4}-\d\d-\d\dT", created.inner_text())  # not ISO 8601
    assert created.inner_text() != created.get_attribute("title")  # in the reader's zone

    # Identifiers are folded away until asked for.
    ids = page.locator('[data-table="cameras"] .data-record__ids')
    expect(ids.locator('[data-field="id"]')).to_be_hidden()
    ids.locator("summary").click()
    expect(ids.locator('[data-field="id"]')).to_be_visible()

    # The same data as the API export: every table, every row, every column, every value.
    tables = client.get("/api/v1/privacy/data").json()["tables"]
    assert {t["name"] for t in tables} >= {"users", "sessions", "cameras", "segments"}
    for table in tables:
        kind = page.locator(f'[data-table="{table["name"]}"]')
        expect(kind.locator(".data-record")).to_have_count(len(table["rows"]))
        for index, row in enumerate(table["rows"]):
            record = kind.locator(".data-record").nth(index)
            for column in table["columns"]:
                field = record.locator(f'[data-field="{column["name"]}"]')
                expect(field).to_have_count(1)
                shows(field, column["name"], row[column["name"]])
    assert errors == []
