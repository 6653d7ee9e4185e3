"""End to end in Debian's chromium at phone size: sign up, confirm, sign in, profile, sign out.

The browser enforces the Content-Security-Policy, so any inline script or style would show
up as a console error; the test allows none.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import STRONG_PASSWORD
from tests.support.browser import PHONE, chromium, watched_page
from tests.support.smtp import Mailbox

pytestmark = pytest.mark.browser


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def phone(browser: Browser, tmp_path: Path) -> Iterator[tuple[Page, list[str]]]:
    """A phone-sized page and the console errors it collects (CSP violations included)."""
    with watched_page(
        browser, screenshot=tmp_path / "hw-last-page.png", viewport=PHONE, is_mobile=True,
        has_touch=True,
    ) as watched:  # fmt: skip
        yield watched


def fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_sign_up_to_sign_out_on_a_phone(
    live_server: Any, mailbox: Mailbox, phone: tuple[Page, list[str]]
) -> None:
    page, errors = phone
    email = "robin@example.org"

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/signin")
    page.get_by_role("link", name="Create account").click()
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    assert fits_the_screen(page)

    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    expect(page.get_by_text("Password strength: ")).to_be_visible()  # live hint from app.js
    page.get_by_label("Month and year of birth").fill("1990-04")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your mailbox")).to_be_visible()

    # The confirmation form by keyboard only: Tab from the address to the code, Enter.
    page.get_by_label("E-mail address").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Confirmation code")).to_be_focused()
    page.keyboard.type(mailbox.last_code(email))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your e-mail address is confirmed.")).to_be_visible()

    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My devices")).to_be_visible()
    expect(page.get_by_text("No devices yet")).to_be_visible()
    expect(page.locator(".account-chip")).to_contain_text("robin@example.org")  # issue 12 item 18
    assert fits_the_screen(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Profile").click()
    page.get_by_label("Nickname").fill("Nightjar")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    expect(page.locator(".account-chip")).to_contain_text("Nightjar")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto(f"{live_server.url}/profile")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator(".account-chip")).to_have_count(0)

    assert errors == []


def test_skip_link_is_the_first_stop_for_the_keyboard(
    live_server: Any, phone: tuple[Page, list[str]]
) -> None:
    page, errors = phone
    page.goto(f"{live_server.url}/signin")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    assert errors == []
