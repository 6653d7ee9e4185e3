"""Issue 12 item 12: "Scan with camera" in a browser without `BarcodeDetector` (Debian's
Chromium, like Firefox and Safari): the page decodes the QR label with the ZXing library it
ships (no CDN, under the strict Content-Security-Policy), from a fake camera that films
the label, fills the form, and the camera is added."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import segno
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from hearthwatch.accounts.models import User
from hearthwatch.camsim.camera import SimulatedCamera
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from tests.conftest import STRONG_PASSWORD
from tests.support.browser import DESKTOP, MEDIA_ARGS, chromium, watched_page

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 640, 480
CAMERA_PAGE = re.compile(r".*/cameras/([0-9a-f]{32})\?done=camera_added$")


def label_video(path: Path, payload: str, frames: int = 4) -> Path:
    """A Y4M clip of a camera label on a grey desk: the QR code of `payload`, as a phone
    held over it would see it. Chromium's fake camera plays it in a loop."""
    picture = io.BytesIO()
    segno.make(payload, error="m").save(picture, kind="png", scale=5, border=4)
    label = np.asarray(Image.open(picture).convert("L"))
    luma = np.full((HEIGHT, WIDTH), 150, np.uint8)
    top, left = (HEIGHT - label.shape[0]) // 2, (WIDTH - label.shape[1]) // 2
    luma[top : top + label.shape[0], left : left + label.shape[1]] = label
    chroma = np.full((HEIGHT // 2) * (WIDTH // 2), 128, np.uint8).tobytes()
    frame = b"FRAME\n" + luma.tobytes() + chroma + chroma
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * frames)
    return path


@pytest.fixture
def filmed_label(tmp_path: Path, registered: list[SimulatedCamera]) -> tuple[Path, str]:
    """The fake camera's video file and the payload of the label it films (a camera the
    registry knows, as after `hearthwatch devices provision`)."""
    payload = registered[0].identity.payload()
    return label_video(tmp_path / "label.y4m", payload), payload


@pytest.fixture
def browser(filmed_label: tuple[Path, str]) -> Iterator[Browser]:
    video, _ = filmed_label
    with chromium(*MEDIA_ARGS, f"--use-file-for-fake-video-capture={video}") as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, tmp_path: Path) -> Iterator[tuple[Page, list[str]]]:
    with watched_page(browser, screenshot=tmp_path / "hw-scan.png", viewport=DESKTOP) as watched:
        yield watched


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/signin")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My devices")).to_be_visible()


def test_issue12_item12_scan_with_camera_reads_the_label_without_barcode_detector(
    live_server: Any, make_user: Any, ctx: AppContext,
    page: tuple[Page, list[str]], filmed_label: tuple[Path, str],
) -> None:  # fmt: skip
    tab, errors = page
    _, payload = filmed_label
    owner: User = make_user("robin@example.org")
    sign_in(tab, live_server.url, owner.email)

    tab.goto(f"{live_server.url}/cameras/add")
    assert tab.evaluate("'BarcodeDetector' in window") is False  # the case this item is about
    scan = tab.get_by_role("button", name="Scan with camera")
    expect(scan).to_be_visible()  # not "This browser cannot read QR codes"
    tab.get_by_label("Name (optional)").first.fill("Porch")
    scan.click()

    expect(tab.get_by_label("Text of the QR code")).to_have_value(payload, timeout=20_000)
    expect(tab.locator("[data-scanner-status]")).to_contain_text("Code read: camera")
    assert tab.evaluate("typeof window.ZXing") == "object"  # the vendored decoder did it
    assert tab.evaluate("document.querySelector('[data-scanner-video]').srcObject") is None
    tab.get_by_role("button", name="Add camera").first.click()

    expect(tab).to_have_url(CAMERA_PAGE)
    camera_id = CAMERA_PAGE.match(tab.url).group(1)  # type: ignore[union-attr]
    expect(tab.get_by_text("The camera was added.")).to_be_visible()
    with ctx.db.session() as db:
        camera = db.get(Camera, camera_id)
        assert camera is not None
        assert (camera.name, camera.owner_id) == ("Porch", owner.id)
    assert errors == []  # no CSP violation, no script error
