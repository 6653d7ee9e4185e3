"""Debian's Chromium driven by Playwright: one way to launch it and to watch a page.

The flags are those FIELD-NOTES found to work on this kind of machine; `playwright install`
cannot download browsers here, so the system `chromium` is used through `executable_path`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize, sync_playwright

from tests.conftest import STRONG_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE: ViewportSize = {"width": 375, "height": 812}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
# Video starts without a click; a synthetic camera answers getUserMedia without a prompt.
MEDIA_ARGS = [
    "--autoplay-policy=no-user-gesture-required",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]


@contextmanager
def chromium(*extra_args: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args]
        )
        yield browser
        browser.close()


@contextmanager
def watched_page(
    browser: Browser, *, screenshot: Path | None = None, timeout_ms: int = 15_000, **options: Any
) -> Iterator[tuple[Page, list[str]]]:
    """A page in a fresh context and the console errors it collects (CSP violations too);
    a full-page screenshot of the last state is left at `screenshot` for failures."""
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            # A failed load names the resource only in its location: keep it, for the reader.
            where = message.location.get("url", "") if "Failed to load" in message.text else ""
            errors.append(f"{message.text} [{where}]" if where else message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page, errors
    finally:
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
        context.close()


def sign_in_page(page: Page, url: str, email: str, password: str = STRONG_PASSWORD) -> None:
    """Sign in through the sign-in form of the service at `url`."""
    page.goto(f"{url}/signin")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
