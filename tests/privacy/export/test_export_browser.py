"""P17 and P23 end to end in Debian's chromium: ask for an export, watch it, download it.

The browser enforces the Content-Security-Policy: the progress script must load from
static/ and run without a console error.
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from tests.conftest import STRONG_PASSWORD
from tests.factories import RECORDED_AT_US as T0
from tests.factories import add_recorded_camera
from tests.support.browser import chromium, watched_page

pytestmark = pytest.mark.browser


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    with watched_page(browser, timeout_ms=30_000, accept_downloads=True) as watched:
        yield watched


def test_p17_p23_request_watch_and_download_in_chromium(
    live_server: Any,
    ctx: AppContext,
    make_user: Any,
    page: tuple[Page, list[str]],
    tmp_path: Path,
) -> None:
    browser_page, errors = page
    user: User = make_user("robin@example.org")
    add_recorded_camera(ctx, user.id, "Porch", [(T0, 3)])

    browser_page.goto(f"{live_server.url}/signin")
    browser_page.get_by_label("E-mail address").fill(user.email)
    browser_page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    browser_page.get_by_role("button", name="Sign in").click()
    expect(browser_page).not_to_have_url(f"{live_server.url}/signin")

    browser_page.goto(f"{live_server.url}/privacy/export")
    browser_page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    browser_page.get_by_role("button", name="Prepare my data").click()
    link = browser_page.get_by_role("link", name="Download")
    expect(link).to_be_visible()  # export.js reloads the page once the archive is ready

    with browser_page.expect_download() as waiting:
        link.click()
    saved = tmp_path / "download.zip"
    waiting.value.save_as(saved)

    with zipfile.ZipFile(saved) as archive:
        data = json.loads(archive.read("data.json"))
        assert data["tables"]["users"][0]["email"] == user.email
        assert [c["name"] for c in data["tables"]["cameras"]] == ["Porch"]
        (recording,) = data["recordings"]
        (tmp_path / "clip.mp4").write_bytes(archive.read(recording["file"]))
    probe = subprocess.run(
        ["ffprobe", "-v", "error", str(tmp_path / "clip.mp4")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode == 0 and not probe.stderr, probe.stderr
    browser_page.reload()
    expect(browser_page.get_by_text("Downloaded (the file was deleted)")).to_be_visible()
    assert errors == []
