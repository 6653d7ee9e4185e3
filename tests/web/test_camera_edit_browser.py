"""Issue 12 item 6 in Chromium: a camera added by address (looked at first), then its
password changed on the settings page without removing it; the camera page says why it is
offline and comes back online once the right password is saved again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from hearthwatch.media import status
from hearthwatch.media.recorder import Recorder
from tests.conftest import STRONG_PASSWORD
from tests.media.conftest import wait_for
from tests.support.browser import DESKTOP, chromium, watched_page
from tests.support.foreign_cameras import ForeignCamera, available, foreign_camera

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
        # Live view over the WebSocket only: this test is about the settings, and a WebRTC
        # peer still open when the server stops leaves its UDP socket to the teardown.
        watched[0].add_init_script("delete window.RTCPeerConnection;")
        yield watched


@pytest.fixture
def locked() -> Iterator[ForeignCamera]:
    with foreign_camera("h264-pcmu", user="keeper", password="s3cret-pw") as camera:
        yield camera


def sign_in(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/signin")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My devices")).to_be_visible()


def save_password(page: Page, password: str, *, offline: bool = False) -> None:
    page.get_by_role("link", name="Settings", exact=True).click()
    form = page.locator("[data-connection-form]")
    expect(form.get_by_label("New password")).to_have_value("")  # never shown back
    form.get_by_label("New password").fill(password)
    if offline:  # the look at the new connection would refuse it
        form.get_by_label("Save even if it cannot be reached now").check()
    form.get_by_role("button", name="Save connection").click()
    expect(page.get_by_text("The camera settings are saved.")).to_be_visible()


def test_issue12_item6_edit_the_password_in_chromium(
    live_server: Any,
    make_user: Any,
    recorder: Recorder,
    locked: ForeignCamera,
    desktop: tuple[Page, list[str]],
) -> None:
    page, errors = desktop
    sign_in(page, live_server.url, make_user().email)
    page.goto(f"{live_server.url}/cameras/add?way=rtsp")
    panel = page.locator("#add-rtsp")
    panel.get_by_label("RTSP address").fill(locked.url_without_credentials)
    panel.get_by_label("User name (optional)").fill("keeper")
    panel.get_by_label("Password (optional)").fill("wrong-one")
    panel.get_by_label("Name", exact=True).fill("Porch")
    panel.get_by_role("button", name="Add camera").click()
    auth = status.PROBLEMS[status.AUTH_FAILED]
    expect(page.get_by_text(auth.what).first).to_be_visible()  # refused: nothing added
    panel = page.locator("#add-rtsp")
    panel.get_by_label("Password (optional)").fill("s3cret-pw")
    panel.get_by_role("button", name="Add camera").click()
    expect(page.get_by_role("heading", name="Porch")).to_be_visible()
    camera_page = page.url.split("?")[0]

    save_password(page, "changed-on-camera", offline=True)
    recorder.sync()
    api = camera_page.replace("/cameras/", "/api/v1/cameras/")
    wait_for(lambda: page.request.get(api).json()["problem_code"] == status.AUTH_FAILED)
    page.goto(camera_page)
    status_line = page.locator('[data-detail="status"]')
    expect(status_line).to_contain_text(auth.what)
    expect(status_line).to_contain_text(auth.next_step)
    expect(page.locator('[data-detail="video"]')).to_contain_text("H.264")

    save_password(page, "s3cret-pw")
    recorder.sync()
    page.goto(camera_page)
    expect(page.locator("[data-live-player]")).to_have_attribute("data-state", "live")
    assert "changed-on-camera" not in page.content() and "s3cret-pw" not in page.content()
    # The refused add answered 422 (the form shown again with its reason): nothing else.
    assert [e for e in errors if "status of 422" not in e] == [], errors
