"""Issue 12, live view after a camera restart (WebRTC), in Chromium.

A camera that reboots while watched used to leave a frozen picture captioned "live" for
about 6 s. Now the player notices within 1.5 s that no new frame is shown, says it is
reconnecting, and starts a new session at once, which the server answers as soon as the
camera streams again.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from hearthwatch.media.recorder import Recorder
from tests.media.conftest import wait_for
from tests.media.test_webrtc_foreign import bind_url
from tests.support import foreign_cameras
from tests.support.foreign_cameras import foreign_camera
from tests.web.test_foreign_cameras_browser import (  # noqa: F401  (fixtures)
    browser,
    frames_decoded,
    signed_in,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not foreign_cameras.available(), reason="gst-rtsp-server or ffmpeg missing"),
]

FPS = foreign_cameras.FPS
AWAY_SECONDS = 3.0


# The player's states from now on, with the moment each began (its hearthwatch:live events).
NOTE_STATES = """() => {
  window.hwStates = [];
  document.addEventListener(
    'hearthwatch:live', e => window.hwStates.push([e.detail.state, Date.now()]));
}"""


def entered(page: Page, state: str) -> bool:
    return bool(page.evaluate("s => window.hwStates.some(x => x[0] === s)", state))


def state_since(page: Page, state: str) -> float:
    """When (page clock, ms) the player first entered `state` since NOTE_STATES ran."""
    return float(page.evaluate("s => window.hwStates.find(x => x[0] === s)[1]", state))


def moving(page: Page, seconds: float = 1.0) -> bool:
    """Whether the newest peer decodes at least half the camera's rate for `seconds`."""
    first = frames_decoded(page)
    page.wait_for_timeout(int(seconds * 1000))
    return frames_decoded(page) - first >= FPS * seconds / 2


@pytest.mark.parametrize("kind", ["h264-pcmu", "h264-bframes-aac"])
def test_issue12_live_view_over_webrtc_says_reconnecting_and_resumes_after_a_camera_restart(
    kind: str,
    client: TestClient,
    recorder: Recorder,
    signed_in: tuple[Page, list[str]],  # noqa: F811
    live_server: Any,
) -> None:
    page, errors = signed_in
    with foreign_camera(kind) as camera:
        bound = bind_url(client, recorder, camera, "Porch")
        page.goto(f"{live_server.url}/cameras/{bound['id']}")
        player = page.locator("[data-live-player]")
        expect(page.locator("[data-live-transport]")).to_have_text("WebRTC", timeout=30_000)
        assert wait_for(lambda: moving(page), timeout=10)

        page.evaluate(NOTE_STATES)
        camera.stop()  # the camera reboots: away for AWAY_SECONDS
        gone, gone_ms = time.monotonic(), page.evaluate("Date.now()")
        wait_for(lambda: entered(page, "connecting"), timeout=10, every=0.05)
        noticed = (state_since(page, "connecting") - gone_ms) / 1000
        expect(player).to_contain_text("Reconnecting…")
        page.wait_for_timeout(int(max(0.0, AWAY_SECONDS - (time.monotonic() - gone)) * 1000))
        camera.start()
        back_ms = page.evaluate("Date.now()")
        wait_for(lambda: entered(page, "live"), timeout=10, every=0.05)
        resumed = (state_since(page, "live") - back_ms) / 1000
        assert page.locator("[data-live-transport]").text_content() == "WebRTC"
        assert moving(page), "the picture does not move after the camera came back"
        assert resumed < 3.0, f"live again {resumed:.1f} s after the camera's return"
        assert noticed < 2.0, f"reconnecting shown {noticed:.1f} s after the camera went away"
    assert errors == []
