"""Video end to end in Debian's chromium: add a camera from a photo of its QR code, watch it
live, play back what was recorded, take a snapshot, download a clip and check it with ffprobe.

The camera is a simulated one over real RTSP, recorded by the real recorder; the browser
plays both live and recorded video through Media Source Extensions under the app's
Content-Security-Policy, and the test allows no console errors.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from hearthwatch.camsim.camera import SimulatedCamera
from hearthwatch.media.recorder import Recorder
from tests.conftest import STRONG_PASSWORD
from tests.support.browser import DESKTOP, MEDIA_ARGS, chromium, watched_page

pytestmark = pytest.mark.browser

RECORD_SECONDS = 10

# Debian's chromium has no BarcodeDetector on Linux: a stand-in that "reads" the payload on
# its third look, and a count of camera requests, so the test sees when permission is asked.
FAKE_SCANNER = """
window.__cameraRequests = 0;
const realGetUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = (constraints) => {
  window.__cameraRequests += 1;
  return realGetUserMedia(constraints);
};
window.BarcodeDetector = class {
  static getSupportedFormats() { return Promise.resolve(["qr_code"]); }
  constructor() { this.looks = 0; }
  detect() {
    this.looks += 1;
    return Promise.resolve(this.looks < 3 ? [] : [{ rawValue: window.__payload }]);
  }
};
"""


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium(*MEDIA_ARGS) as launched:
        yield launched


@pytest.fixture
def desktop(browser: Browser, tmp_path: Path) -> Iterator[tuple[Page, list[str]]]:
    """A desktop-sized page that accepts downloads, and the console errors it collects."""
    with watched_page(
        browser, screenshot=tmp_path / "hw-last-page.png", timeout_ms=20_000, viewport=DESKTOP,
        accept_downloads=True,
    ) as watched:  # fmt: skip
        yield watched


def video_progress(page: Page, selector: str) -> tuple[float, int]:
    """(currentTime, frames decoded so far) of the video element."""
    current, frames = page.locator(selector).evaluate(
        "v => [v.currentTime, v.getVideoPlaybackQuality().totalVideoFrames]"
    )
    return float(current), int(frames)


def sign_in(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/signin")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My devices")).to_be_visible()


def add_by_qr_photo(page: Page, camera: SimulatedCamera, folder: Path) -> None:
    photo = folder / "label.png"
    photo.write_bytes(camera.identity.qr_png())
    page.get_by_role("link", name="Add a camera").click()
    page.get_by_role("tab", name="QR photo").click()
    page.get_by_label("Photo of the QR code", exact=True).set_input_files(photo)
    page.locator("#add-photo").get_by_role("button", name="Add camera").click()
    expect(page.get_by_text("The camera was added.")).to_be_visible()


def probe(path: Path) -> dict[str, Any]:
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        pytest.skip("ffprobe is not installed (Debian package ffmpeg)")
    done = subprocess.run(
        [ffprobe, "-v", "error", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_p12_p13_add_watch_live_play_back_and_download_a_clip(
    live_server: Any,
    make_user: Any,
    registered: list[SimulatedCamera],
    recorder: Recorder,
    desktop: tuple[Page, list[str]],
    tmp_path: Path,
) -> None:
    page, errors = desktop
    user = make_user()
    sign_in(page, live_server.url, user.email)
    add_by_qr_photo(page, registered[0], tmp_path)
    added_at = time.monotonic()

    # Live: the picture moves, frames are decoded, and it stays close to real time.
    player = page.locator("[data-live-player]")
    expect(player).to_have_attribute("data-state", "live", timeout=30_000)
    expect(page.locator("[data-online-badge]")).to_have_text("Online")
    first = video_progress(page, "[data-live-player] video")
    page.wait_for_timeout(2_000)
    second = video_progress(page, "[data-live-player] video")
    assert second[0] > first[0] + 1.0, (first, second)
    assert second[1] > first[1] + 25, (first, second)
    latency_ms = int(player.get_attribute("data-latency-ms") or "99999")
    print("LATENCY", latency_ms, first, second)
    assert latency_ms < 1_000, latency_ms

    with page.expect_download() as snapshot:
        page.get_by_role("button", name="Snapshot").click()
    assert snapshot.value.suggested_filename.endswith(".jpg")
    assert Path(snapshot.value.path()).read_bytes()[:2] == b"\xff\xd8"

    # Playback of what was recorded meanwhile.
    page.wait_for_timeout(max(0.0, RECORD_SECONDS - (time.monotonic() - added_at)) * 1000)
    page.get_by_role("link", name="Recordings").click()
    expect(page.locator(".timeline__span").first).to_be_attached()
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "playing")
    first = video_progress(page, "[data-player] video")
    page.wait_for_timeout(1_500)
    second = video_progress(page, "[data-player] video")
    assert second[0] > first[0] + 0.5, (first, second)
    assert second[1] > first[1], (first, second)

    # The timeline is a slider: arrow keys move it by ten seconds.
    slider = page.get_by_role("slider", name="Timeline")
    slider.focus()
    before = int(slider.get_attribute("aria-valuenow") or "0")
    page.keyboard.press("ArrowLeft")
    assert int(slider.get_attribute("aria-valuenow") or "0") == before - 10

    page.get_by_role("button", name="Download clip").click()
    with page.expect_download() as clip:
        page.get_by_role("button", name="Download MP4").click()
    saved = tmp_path / "clip.mp4"
    clip.value.save_as(saved)
    assert clip.value.failure() is None
    streams = probe(saved)["streams"]
    print("CLIP", saved.stat().st_size, streams[0].get("duration"), streams[0].get("nb_frames"))
    assert [s["codec_name"] for s in streams] == ["h264"]
    assert errors == []


def test_p32_scanning_asks_for_the_camera_only_when_asked_to(
    live_server: Any,
    make_user: Any,
    registered: list[SimulatedCamera],
    desktop: tuple[Page, list[str]],
) -> None:
    page, errors = desktop
    page.add_init_script(
        FAKE_SCANNER + f"window.__payload = {json.dumps(registered[1].identity.payload())};"
    )
    user = make_user()
    sign_in(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/cameras/add")
    expect(page.get_by_role("tab", name="Scan QR code")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("only to read the code")).to_be_visible()
    assert page.evaluate("window.__cameraRequests") == 0

    page.get_by_role("button", name="Scan with camera").click()
    # The code read fills the form; the person may name the camera, then adds it (issue 12).
    page.locator("#add-scan").get_by_role("button", name="Add camera").click()
    expect(page.get_by_text("The camera was added.")).to_be_visible()
    expect(page.get_by_text(registered[1].serial)).to_be_visible()
    assert errors == []
