"""Issue 12 item 4 (live part), in Chromium: an H.265 camera bound with its H.264
sub-stream plays live over WebRTC and over the WebSocket through the sub-stream, the player
says so, and the recording stays the main stream's H.265.

The camera is two GStreamer RTSP servers (tests/support/foreign_cameras.py): "h265-aac" as
its main stream and "h264-sub" as its sub-stream, both 640 by 360.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from hearthwatch.media.recorder import Recorder
from tests.media.conftest import wait_for
from tests.media.test_substream_live import recordings, segment_codecs
from tests.support import foreign_cameras
from tests.support.foreign_cameras import foreign_camera
from tests.web.test_foreign_cameras_browser import (  # noqa: F401  (fixtures)
    NO_WEBRTC,
    browser,
    frames_decoded,
    signed_in,
    video_frames,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not foreign_cameras.available(), reason="gst-rtsp-server or ffmpeg missing"),
]

CAMERAS = "/api/v1/cameras"
FPS = foreign_cameras.FPS
H265 = "MediaSource.isTypeSupported('video/mp4; codecs=\"hvc1.1.6.L93.B0\"')"
SUB_CAPTION = "Sub-stream, H.264 640\u00d7360"  # the player's caption


def moving_over_webrtc(page: Page) -> None:
    wait_for(lambda: frames_decoded(page) > 0, timeout=20)
    first, started = frames_decoded(page), time.monotonic()
    page.wait_for_timeout(3_000)
    rate = (frames_decoded(page) - first) / (time.monotonic() - started)
    assert rate > 0.7 * FPS, f"WebRTC decoded {rate:.1f} frames/s of a {FPS} fps sub-stream"


def moving_over_websocket(page: Page) -> None:
    first, started = video_frames(page), time.monotonic()
    page.wait_for_timeout(3_000)
    second, spent = video_frames(page), time.monotonic() - started
    assert second[1] - first[1] > 0.7 * FPS * spent, (first, second)
    assert second[0] - first[0] > 0.7 * spent, (first, second)


def test_issue12_item4_h265_camera_plays_live_in_chromium_through_its_h264_sub_stream(
    client: TestClient,
    recorder: Recorder,
    signed_in: tuple[Page, list[str]],  # noqa: F811
    live_server: Any,
    tmp_path: Path,
) -> None:
    page, errors = signed_in
    with foreign_camera("h265-aac") as main, foreign_camera("h264-sub") as sub:
        body = {"url": main.url, "name": "Garden", "sub_url": sub.url}
        bound = client.post(f"{CAMERAS}/bind/rtsp", json=body)
        assert bound.status_code == 201, bound.text
        camera_id = bound.json()["id"]
        wait_for(lambda: client.get(f"{CAMERAS}/{camera_id}").json()["online"], timeout=30)
        url = f"{live_server.url}/cameras/{camera_id}"

        page.goto(url)  # WebRTC: the sub-stream, since WebRTC carries no H.265
        player = page.locator("[data-live-player]")
        expect(page.locator("[data-live-transport]")).to_have_text("WebRTC", timeout=30_000)
        expect(page.locator("[data-live-stream]")).to_have_text(SUB_CAPTION)
        expect(player).to_have_attribute("data-stream", "sub")
        moving_over_webrtc(page)

        socket_page = page.context.new_page()  # the WebSocket and Media Source Extensions
        socket_page.add_init_script(NO_WEBRTC)
        socket_page.goto(url)
        expect(socket_page.locator("[data-live-transport]")).to_have_text(
            "WebSocket", timeout=30_000
        )
        if socket_page.evaluate(H265):  # this Chromium plays H.265: the main stream
            expect(socket_page.locator("[data-live-stream]")).to_be_hidden()
        else:
            expect(socket_page.locator("[data-live-stream]")).to_have_text(SUB_CAPTION)
            media_type = socket_page.locator("[data-live-player]").get_attribute("data-media-type")
            assert media_type is not None and "avc1" in media_type
        moving_over_websocket(socket_page)
        socket_page.close()

        wait_for(lambda: len(recordings(client, camera_id)["segments"]) >= 2, timeout=30)
        assert segment_codecs(client, camera_id, tmp_path) == {"hevc", "aac"}
        assert recorder.sub_ingests[camera_id].record is False
    assert errors == []
