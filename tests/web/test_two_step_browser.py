"""Issue 12 item 17 in Chromium: the code is asked on a page of its own after the password
(no red error, no second password), a recovery code works there, and the security page
counts what is left."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Page, expect

from hearthwatch.accounts import recovery_codes, totp
from hearthwatch.accounts.registration import find_user_by_email
from hearthwatch.context import AppContext
from tests.conftest import STRONG_PASSWORD
from tests.support.browser import PHONE, chromium, watched_page
from tests.web.test_browser import fits_the_screen

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(tmp_path: Path) -> Iterator[tuple[Page, list[str]]]:
    with chromium() as browser, watched_page(
        browser, screenshot=tmp_path / "hw-two-step.png", viewport=PHONE, is_mobile=True
    ) as watched:  # fmt: skip
        yield watched


def two_step_on(ctx: AppContext, make_user: Any) -> tuple[pyotp.TOTP, list[str]]:
    make_user()
    with ctx.db.session() as db:
        user = find_user_by_email(db, "alice@example.org")
        assert user is not None
        setup = totp.begin_setup(ctx, user)
        app = pyotp.TOTP(setup.secret)
        # Enabled with the previous step's code, so the current one is still unused.
        totp.enable(ctx, user, app.at(ctx.clock.now() - timedelta(seconds=30)))
        return app, recovery_codes.issue(ctx, db, user=user)


def password_step(page: Page, url: str) -> None:
    page.goto(f"{url}/signin")
    page.get_by_label("E-mail address").fill("alice@example.org")
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Two-step sign-in")).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_have_count(0)  # not asked again
    expect(page.get_by_label("Authenticator code")).to_be_focused()


def test_issue12_item17_recovery_code_as_the_second_step_in_chromium(
    live_server: Any, ctx: AppContext, make_user: Any, phone: tuple[Page, list[str]]
) -> None:
    page, errors = phone
    _, codes = two_step_on(ctx, make_user)
    password_step(page, live_server.url)
    assert fits_the_screen(page)

    page.keyboard.type("00000")  # five digits: explained on the same step
    page.keyboard.press("Enter")
    expect(page.locator("#code-error")).to_contain_text("6-digit code")
    expect(page.get_by_label("Authenticator code")).to_be_visible()

    page.get_by_label("Authenticator code").fill(codes[0])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My devices")).to_be_visible()
    page.goto(f"{live_server.url}/security")
    expect(page.locator("#recovery-left")).to_contain_text("9 of 10 recovery codes left.")
    # The one error is the browser noting the 422 answer to the five digits.
    assert [e for e in errors if "status of 422" not in e] == []


def test_issue12_item17_authenticator_code_after_the_password_in_chromium(
    live_server: Any, ctx: AppContext, make_user: Any, phone: tuple[Page, list[str]]
) -> None:
    page, errors = phone
    app, _ = two_step_on(ctx, make_user)
    password_step(page, live_server.url)
    page.keyboard.type(app.now())
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My devices")).to_be_visible()
    assert errors == []
