"""Issue 14 item 6 in Chromium: the arming switch sets the home's mode from the keyboard,
and the page fits a phone's screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.factories import add_camera
from tests.support.browser import PHONE, chromium, sign_in_page, watched_page
from tests.web.test_browser import fits_the_screen

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(tmp_path: Path) -> Iterator[tuple[Page, list[str]]]:
    with chromium() as browser, watched_page(
        browser, screenshot=tmp_path / "hw-arming.png", viewport=PHONE, is_mobile=True
    ) as watched:  # fmt: skip
        yield watched


def test_issue14_item6_the_arming_switch_changes_the_mode_in_chromium(
    live_server: Any, ctx: Any, make_user: Any, phone: tuple[Page, list[str]]
) -> None:
    page, errors = phone
    alice = make_user()
    porch = add_camera(ctx, alice.id, "Porch")
    sign_in_page(page, live_server.url, alice.email)
    expect(page.get_by_role("heading", name="My devices")).to_be_visible()
    page.get_by_role("link", name="Alerts").click()
    expect(page.get_by_role("heading", name="My home is set to Away")).to_be_visible()
    assert fits_the_screen(page)

    night = page.get_by_role("button", name="Night", exact=True)
    expect(night).to_have_attribute("aria-pressed", "false")
    night.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Armed: Night.")).to_be_visible()
    expect(page.get_by_role("button", name="Night", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    home = page.request.get(f"{live_server.url}/api/v1/homes/current").json()
    assert (home["mode"], home["mode_changed_by"]) == ("night", alice.id)

    page.get_by_role("group", name="Home").get_by_label("Porch").check()
    page.get_by_role("button", name="Save the cameras for Home").click()
    expect(page.get_by_text("Saved: those cameras alert in that mode.")).to_be_visible()
    home = page.request.get(f"{live_server.url}/api/v1/homes/current").json()
    assert home["modes"]["home"] == [porch]
    assert errors == []
