"""Issue 12 item 6 follow-up in Chromium: "Test the connection" on the add page looks at a
digest-auth camera through `POST /api/v1/cameras/probe` and says in place (a live region)
why it was refused, then what it found, without adding it; then "Add camera" adds it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from hearthwatch.media import status
from tests.support.browser import DESKTOP, chromium, watched_page
from tests.support.foreign_cameras import ForeignCamera, available, foreign_camera
from tests.web.test_camera_edit_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not available(), reason="gst-rtsp-server or ffmpeg missing"),
]


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def desktop(browser: Browser, tmp_path: Path) -> Iterator[tuple[Page, list[str]]]:
    with watched_page(
        browser, screenshot=tmp_path / "hw-last-page.png", timeout_ms=20_000, viewport=DESKTOP
    ) as watched:
        watched[0].add_init_script("delete window.RTCPeerConnection;")
        yield watched


@pytest.fixture
def locked() -> Iterator[ForeignCamera]:
    with foreign_camera("h264-bframes-aac", user="keeper", password="s3cret-pw") as camera:
        yield camera


def test_issue12_item6_test_the_connection_in_chromium(
    live_server: Any, make_user: Any, locked: ForeignCamera, desktop: tuple[Page, list[str]]
) -> None:
    page, errors = desktop
    sign_in(page, live_server.url, make_user().email)
    page.goto(f"{live_server.url}/cameras/add?way=rtsp")
    panel = page.locator("#add-rtsp")
    panel.get_by_label("RTSP address").fill(locked.url_without_credentials)
    panel.get_by_label("User name (optional)").fill("keeper")
    panel.get_by_label("Password (optional)").fill("wrong-one")
    answer = panel.locator("[data-probe-answer]")
    expect(answer).to_have_attribute("aria-live", "polite")
    test_button = panel.get_by_role("button", name="Test the connection")
    # Keyboard: focus the button and press Enter (the page stays: nothing is submitted).
    test_button.focus()
    with page.expect_response("**/api/v1/cameras/probe") as refused:
        page.keyboard.press("Enter")
    assert refused.value.status == 200
    auth = status.PROBLEMS[status.AUTH_FAILED]
    expect(answer).to_contain_text(auth.what)
    expect(answer).to_contain_text(auth.next_step)
    assert page.url.endswith("/cameras/add?way=rtsp")

    panel.get_by_label("Password (optional)").fill("s3cret-pw")
    with page.expect_response("**/api/v1/cameras/probe"):
        test_button.click()
    expect(answer).to_contain_text("Reached the camera.")
    expect(answer).to_contain_text("H.264 · 640 \N{MULTIPLICATION SIGN} 360 · TCP · sound AAC")
    expect(test_button).to_be_focused()
    assert page.request.get(f"{live_server.url}/api/v1/cameras").json() == []  # nothing added

    page.goto(f"{live_server.url}/cameras/add?way=rtsp")
    panel = page.locator("#add-rtsp")
    panel.get_by_label("RTSP address").fill(locked.url_without_credentials)
    panel.get_by_label("User name (optional)").fill("keeper")
    panel.get_by_label("Password (optional)").fill("s3cret-pw")
    panel.get_by_label("Name", exact=True).fill("Porch")
    panel.get_by_role("button", name="Add camera").click()
    expect(page.get_by_role("heading", name="Porch")).to_be_visible()
    assert "s3cret-pw" not in page.content()
    assert errors == [], errors
