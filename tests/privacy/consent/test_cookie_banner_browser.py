"""The cookie banner in Debian's chromium (P29, P24): no optional cookie before a choice,
only the chosen ones after, and withdrawing on the consents page deletes them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    expect,
)

from hearthwatch.context import AppContext
from hearthwatch.privacy.consent import analytics
from tests.conftest import STRONG_PASSWORD
from tests.support.browser import PHONE, chromium, watched_page
from tests.web.test_browser import fits_the_screen

pytestmark = pytest.mark.browser

ESSENTIAL = {"hw_csrf", "hw_session", "hw_consent"}


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def visitor(browser: Browser, tmp_path: Path) -> Iterator[tuple[Page, list[str]]]:
    with watched_page(
        browser, screenshot=tmp_path / "hw-cookie-banner.png", viewport=PHONE, is_mobile=True,
        has_touch=True,
    ) as watched:  # fmt: skip
        yield watched


def jar(context: BrowserContext) -> dict[str, str]:
    return {c["name"]: c["value"] for c in context.cookies()}


def optional_cookies(context: BrowserContext) -> set[str]:
    return set(jar(context)) - ESSENTIAL


def page_views(ctx: AppContext) -> int:
    with ctx.db.session() as db:
        return sum(count.views for count in analytics.totals(db))


def test_p29_no_optional_cookie_before_choosing_only_the_chosen_after_and_p24_withdrawal(
    live_server: Any, ctx: AppContext, make_user: Any, visitor: tuple[Page, list[str]]
) -> None:
    page, errors = visitor
    user = make_user()
    page.goto(f"{live_server.url}/signin")
    banner = page.get_by_role("region", name="Cookies on Hearthwatch")
    expect(banner).to_be_visible()
    assert fits_the_screen(page)
    assert optional_cookies(page.context) == set()
    assert "hw_consent" not in jar(page.context), "nothing is stored before a choice"

    # Choose: functional only.
    banner.get_by_text("Choose", exact=True).click()
    expect(banner.get_by_label("Essential (always on)")).to_be_checked()
    expect(banner.get_by_label("Essential (always on)")).to_be_disabled()
    banner.get_by_label("Functional").check()
    banner.get_by_role("button", name="Save my choices").click()
    expect(banner).to_have_count(0)  # removed by the script, no reload
    assert jar(page.context)["hw_consent"].endswith(".100")
    assert optional_cookies(page.context) == set()

    # The functional cookie is now allowed to remember the theme; analytics still is not.
    page.goto(f"{live_server.url}/privacy/cookies")
    page.get_by_label("Theme", exact=True).select_option("dark")
    page.get_by_role("button", name="Save theme").click()
    expect(page.get_by_text("Your display preference is saved.")).to_be_visible()
    assert optional_cookies(page.context) == {"hw_prefs"}
    assert page.locator('link[href="/static/theme-dark.css"]').count() == 1
    assert page_views(ctx) == 0

    # Signed in, the person allows analytics on the consents page: views are counted.
    page.goto(f"{live_server.url}/signin")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My devices")).to_be_visible()
    expect(page.get_by_role("region", name="Cookies on Hearthwatch")).to_have_count(0)
    page.goto(f"{live_server.url}/privacy/consents")
    analytics_card = page.locator("#consent-product_analytics")
    analytics_card.get_by_role("button", name="Allow").click()
    expect(page.get_by_text("Your consent is recorded")).to_be_visible()
    with page.expect_response(lambda r: "/privacy/analytics/view" in r.url) as ping:
        page.reload()
    assert ping.value.status == 204
    assert optional_cookies(page.context) == {"hw_prefs", "hw_visit"}
    assert page_views(ctx) >= 1

    # Withdrawing a category on the consents page deletes its cookies at once.
    functional_card = page.locator("#consent-functional_cookies")
    functional_card.get_by_role("button", name="Withdraw").click()
    expect(page.get_by_text("Your consent is withdrawn")).to_be_visible()
    assert "hw_prefs" not in jar(page.context)
    assert page.locator('link[href="/static/theme-dark.css"]').count() == 0
    page.locator("#consent-product_analytics").get_by_role("button", name="Withdraw").click()
    expect(page.get_by_text("Your consent is withdrawn")).to_be_visible()
    assert optional_cookies(page.context) == set()
    counted = page_views(ctx)
    page.reload()
    page.goto(f"{live_server.url}/profile")
    expect(page.get_by_role("heading", name="Profile", exact=True)).to_be_visible()
    assert page_views(ctx) == counted, "no counting after the withdrawal"
    assert jar(page.context)["hw_consent"].endswith(".000")
    assert errors == []


@pytest.mark.parametrize(("button", "flags"), [("Accept all", ".111"), ("Reject all", ".000")])
def test_p29_accept_all_and_reject_all(
    live_server: Any, ctx: AppContext, visitor: tuple[Page, list[str]], button: str, flags: str
) -> None:
    page, errors = visitor
    page.goto(f"{live_server.url}/signup")
    banner = page.get_by_role("region", name="Cookies on Hearthwatch")
    banner.get_by_role("button", name=button).click()
    expect(banner).to_have_count(0)
    assert jar(page.context)["hw_consent"].endswith(flags)
    page.goto(f"{live_server.url}/signin")
    expect(page.get_by_role("region", name="Cookies on Hearthwatch")).to_have_count(0)
    if button == "Accept all":
        with page.expect_response(lambda r: "/privacy/analytics/view" in r.url):
            page.reload()
        assert optional_cookies(page.context) == {"hw_visit"}
        assert page_views(ctx) >= 1
    else:
        page.reload()
        assert optional_cookies(page.context) == set()
        assert page_views(ctx) == 0
    assert errors == []
