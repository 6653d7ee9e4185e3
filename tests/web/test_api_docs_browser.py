"""Issue 12 item 14: the API's reference pages render in Chromium from the service's own
assets, under its strict Content-Security-Policy, with no CDN."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import DESKTOP, chromium, watched_page

pytestmark = pytest.mark.browser

WATCH_CSP = """() => {
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
  });
}"""


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def reader(browser: Browser, tmp_path: Path) -> Iterator[tuple[Page, list[str], list[str]]]:
    """A page that records CSP violations, console errors and every request off the server."""
    with watched_page(browser, screenshot=tmp_path / "hw-api-docs.png", viewport=DESKTOP) as (
        page,
        errors,
    ):
        page.add_init_script(f"({WATCH_CSP})()")
        elsewhere: list[str] = []
        page.on(
            "request",
            lambda request: (
                None
                if request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
                else elsewhere.append(request.url)
            ),
        )
        yield page, errors, elsewhere


def test_issue12_item14_swagger_ui_lists_operations_with_no_csp_violation(
    live_server: Any, reader: tuple[Page, list[str], list[str]]
) -> None:
    page, errors, elsewhere = reader
    page.goto(f"{live_server.url}/api/docs")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() > 20
    sign_in = page.locator(".opblock-summary-path", has_text="/api/v1/auth/login")
    expect(sign_in.first).to_be_visible()
    operations.first.locator(".opblock-summary").click()  # opens: the UI is alive, not a picture
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert page.evaluate("window.__cspViolations") == [], page.evaluate("window.__cspViolations")
    assert errors == []
    assert elsewhere == []


def test_issue12_item14_redoc_renders_the_reference_with_no_csp_violation(
    live_server: Any, reader: tuple[Page, list[str], list[str]]
) -> None:
    page, errors, elsewhere = reader
    page.goto(f"{live_server.url}/api/redoc")
    expect(page.locator("h1", has_text="Hearthwatch")).to_be_visible()
    expect(page.get_by_role("menuitem").first).to_be_visible()
    # Its styles were applied (they are added at run time with the page's nonce).
    menu_width = page.evaluate(
        "() => document.querySelector('.menu-content').getBoundingClientRect().width"
    )
    assert 150 < menu_width < 600
    assert page.evaluate("window.__cspViolations") == [], page.evaluate("window.__cspViolations")
    assert errors == []
    assert elsewhere == []
