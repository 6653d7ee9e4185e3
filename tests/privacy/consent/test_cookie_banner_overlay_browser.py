"""Issue 12 item 21 (P29) in Chromium: the cookie banner is an overlay at the bottom; the
page under it sits exactly where it sits without it, its last controls can be scrolled
clear of it, and the banner is reached and answered from the keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.conftest import STRONG_PASSWORD
from tests.support.browser import DESKTOP, PHONE, chromium, watched_page

pytestmark = pytest.mark.browser

# Where each element of the page is, relative to the document (not the viewport). `main`
# itself is left out: it stretches to fill the window, so its height follows the room
# left at the end of the page, while everything in it stays put.
POSITIONS = """() => [...document.querySelectorAll(
    "header, main h1, main p, main input, main button, main a, .privacy-links a")]
  .map((el) => { const r = el.getBoundingClientRect();
    return [el.tagName, Math.round(r.left), Math.round(r.top + window.scrollY),
            Math.round(r.width), Math.round(r.height)]; })"""

LAST_CONTROL_CLEAR = """() => {
  const controls = [...document.querySelectorAll("main a, main button, main input")]
    .filter((el) => el.offsetParent !== null);
  const last = controls[controls.length - 1];
  last.scrollIntoView({ block: "end" });
  window.scrollTo(0, document.documentElement.scrollHeight);
  const rects = last.getClientRects();  // a link may wrap: its last line is what is seen
  const r = rects[rects.length - 1];
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return [last.outerHTML.slice(0, 80), hit === last || last.contains(hit)];
}"""


@pytest.fixture(params=["phone", "desktop"])
def viewport(request: pytest.FixtureRequest) -> ViewportSize:
    return PHONE if request.param == "phone" else DESKTOP


@pytest.fixture
def visitor(tmp_path: Path, viewport: ViewportSize) -> Iterator[tuple[Page, list[str]]]:
    with chromium() as browser, watched_page(
        browser, screenshot=tmp_path / "hw-cookie-overlay.png", viewport=viewport
    ) as watched:  # fmt: skip
        yield watched


def banner_box(page: Page) -> dict[str, float]:
    box = page.locator("#cookie-banner").bounding_box()
    assert box is not None
    return box


def test_issue12_item21_the_banner_overlays_the_page_without_moving_it(
    live_server: Any, visitor: tuple[Page, list[str]], viewport: ViewportSize
) -> None:
    page, errors = visitor
    page.goto(f"{live_server.url}/signin")
    expect(page.locator("#cookie-banner")).to_be_visible()
    with_banner = page.evaluate(POSITIONS)
    box = banner_box(page)
    position = "getComputedStyle(document.getElementById('cookie-banner')).position"
    assert page.evaluate(position) == "fixed"
    assert abs(box["y"] + box["height"] - (viewport["height"] - 8)) <= 2  # at the bottom

    name, clear = page.evaluate(LAST_CONTROL_CLEAR)
    assert clear, f"{name} stays under the banner"

    # From the keyboard: Tab from the top reaches the banner's buttons; Enter answers.
    page.evaluate("window.scrollTo(0, 0)")
    page.keyboard.press("Tab")  # the skip link
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Reject all":
            break
    expect(page.get_by_role("button", name="Reject all")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#cookie-banner")).to_have_count(0)
    assert page.evaluate(POSITIONS) == with_banner
    assert errors == []


def test_issue12_item21_the_banner_sits_above_the_phone_tab_bar(
    live_server: Any, visitor: tuple[Page, list[str]], viewport: ViewportSize, make_user: Any
) -> None:
    page, errors = visitor
    make_user()
    page.goto(f"{live_server.url}/signin")
    page.get_by_label("E-mail address").fill("alice@example.org")
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="My devices")).to_be_visible()
    expect(page.locator("#cookie-banner")).to_be_visible()
    nav = page.locator(".main-nav").bounding_box()
    box = banner_box(page)
    assert nav is not None
    if viewport == PHONE:  # the tab bar is fixed at the bottom: the banner stays above it
        assert box["y"] + box["height"] <= nav["y"]
    name, clear = page.evaluate(LAST_CONTROL_CLEAR)
    assert clear, f"{name} stays under the banner"
    assert errors == []
