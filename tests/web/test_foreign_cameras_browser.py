"""Issue 12, "done means": cameras nobody on this project wrote, end to end in Chromium.

Each case is a camera served by GStreamer's RTSP server from a file made by Debian's
ffmpeg (tests/support/foreign_cameras.py), bound by its address through the API like a
self-hoster would. For each: it records; it plays live in Chromium over WebRTC and over
the WebSocket (Media Source Extensions) with moving video, or says what the browser lacks;
it plays back at the right speed; the timeline ends before now; and a clip keeps its sound.

The cases: H.264 High with B-frames and AAC; H.265 with AAC; a UDP-only camera with G.711;
a camera asking for digest authentication with a 10-second GOP; and a B-frame camera that
restarts while it is watched.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, BrowserContext, Page, expect

from hearthwatch.media.live_api import webrtc_peers
from hearthwatch.media.recorder import Recorder
from hearthwatch.media.webrtc import CONNECT_SECONDS
from tests.conftest import STRONG_PASSWORD
from tests.media.conftest import wait_for
from tests.media.test_webrtc_foreign import INBOUND, KEEP_PEERS, bind_url
from tests.support import foreign_cameras
from tests.support.browser import DESKTOP, chromium, watched_page
from tests.support.foreign_cameras import ForeignCamera, foreign_camera

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not foreign_cameras.available(), reason="gst-rtsp-server or ffmpeg missing"),
]

CAMERAS = "/api/v1/cameras"
FPS = foreign_cameras.FPS
NO_WEBRTC = "delete window.RTCPeerConnection; delete window.webkitRTCPeerConnection;"


@dataclass(frozen=True)
class Case:
    kind: str
    options: dict[str, Any] = field(default_factory=dict)
    sound: bool = True
    restarts: bool = False

    @property
    def h265(self) -> bool:
        return self.kind.startswith("h265")


CASES = {
    "bframes-aac": Case("h264-bframes-aac"),
    "h265-aac": Case("h265-aac"),
    "udp-only-pcmu": Case("h264-pcmu", {"udp_only": True}),
    "digest-long-gop": Case(
        "h264-long-gop", {"user": "admin", "password": "gate-keeper-77"}, sound=False
    ),
    "restarting": Case("h264-bframes-aac", restarts=True),
}


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium("--autoplay-policy=no-user-gesture-required") as launched:
        yield launched


@pytest.fixture
def signed_in(
    browser: Browser, live_server: Any, alice: Any, app: FastAPI
) -> Iterator[tuple[Page, list[str]]]:
    """Alice signed in, in a page whose peer connections the test can ask for statistics."""
    with watched_page(browser, timeout_ms=20_000, viewport=DESKTOP) as (page, errors):
        page.add_init_script(KEEP_PEERS)
        page.goto(f"{live_server.url}/signin")
        page.get_by_label("E-mail address").fill(alice.email)
        page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="My devices")).to_be_visible()
        yield page, errors
    wait_for(lambda: not webrtc_peers(app).peers, timeout=CONNECT_SECONDS + 10)


def frames_decoded(page: Page) -> int:
    stats = page.evaluate(INBOUND, "video")
    return int(stats["framesDecoded"]) if stats else 0


def video_frames(page: Page) -> tuple[float, int]:
    """(currentTime, frames decoded) of the live player's video element."""
    current, frames = page.locator("[data-live-player] video").evaluate(
        "v => [v.currentTime, v.getVideoPlaybackQuality().totalVideoFrames]"
    )
    return float(current), int(frames)


def lacks_h265(page: Page) -> None:
    player = page.locator("[data-live-player]")
    expect(player).to_have_attribute("data-lacking", "H.265 video", timeout=30_000)
    expect(player).to_contain_text("H.265 video, which this browser cannot play")


def watch_over_webrtc(page: Page, url: str, case: Case) -> None:
    """Live over WebRTC: frames keep coming at about the camera's rate."""
    page.goto(url)
    if case.h265:  # WebRTC carries no H.265: the page falls back and says what it lacks
        lacks_h265(page)
        return
    expect(page.locator("[data-live-transport]")).to_have_text("WebRTC", timeout=30_000)
    wait_for(lambda: frames_decoded(page) > 0, timeout=20)
    first, started = frames_decoded(page), time.monotonic()
    page.wait_for_timeout(3_000)
    rate = (frames_decoded(page) - first) / (time.monotonic() - started)
    assert rate > 0.7 * FPS, f"WebRTC decoded {rate:.1f} frames/s of a {FPS} fps camera"


def watch_over_websocket(context: BrowserContext, url: str, case: Case) -> None:
    """Live through the WebSocket and Media Source Extensions (no WebRTC in this page)."""
    page = context.new_page()
    page.add_init_script(NO_WEBRTC)
    try:
        page.goto(url)
        if case.h265 and not page.evaluate(
            "MediaSource.isTypeSupported('video/mp4; codecs=\"hvc1.1.6.L93.B0\"')"
        ):
            lacks_h265(page)
            return
        expect(page.locator("[data-live-transport]")).to_have_text("WebSocket", timeout=30_000)
        expect(page.locator("[data-live-player]")).to_have_attribute("data-state", "live")
        first, started = video_frames(page), time.monotonic()
        page.wait_for_timeout(3_000)
        second, spent = video_frames(page), time.monotonic() - started
        assert second[1] - first[1] > 0.7 * FPS * spent, (first, second)
        assert second[0] - first[0] > 0.7 * spent, (first, second)
    finally:
        page.close()


def timeline(client: TestClient, camera_id: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    window = {"start": (now - timedelta(hours=1)).isoformat(), "end": now.isoformat()}
    response = client.get(f"{CAMERAS}/{camera_id}/recordings", params=window)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def recorded_seconds(client: TestClient, camera_id: str) -> float:
    spans = timeline(client, camera_id)["spans"]
    return sum(
        (datetime.fromisoformat(s["end"]) - datetime.fromisoformat(s["start"])).total_seconds()
        for s in spans
    )


def last_span_seconds(client: TestClient, camera_id: str) -> float:
    """The length of the newest recorded stretch (since the last gap)."""
    spans = timeline(client, camera_id)["spans"]
    last = spans[-1] if spans else None
    if last is None:
        return 0.0
    start, end = datetime.fromisoformat(last["start"]), datetime.fromisoformat(last["end"])
    return (end - start).total_seconds()


def check_timeline_ends_before_now(client: TestClient, camera_id: str) -> None:
    segments = timeline(client, camera_id)["segments"]
    end = max(datetime.fromisoformat(s["end"]) for s in segments)
    now = datetime.now(UTC)
    assert end <= now + timedelta(milliseconds=500), f"the timeline ends {end - now} from now"
    assert now - end < timedelta(seconds=15), "the recording stopped"


def play_back(page: Page, url: str, case: Case) -> None:
    """The recording plays at the camera's speed: a second of video per second."""
    page.goto(f"{url}/playback")
    player = page.locator("[data-player]")
    if case.h265 and not page.evaluate(
        "MediaSource.isTypeSupported('video/mp4; codecs=\"hvc1.1.6.L93.B0\"')"
    ):
        expect(player).to_contain_text("H.265", timeout=30_000)
        return
    expect(player).to_have_attribute("data-state", "playing", timeout=30_000)
    video = player.locator("video")
    before, started = float(video.evaluate("v => v.currentTime")), time.monotonic()
    page.wait_for_timeout(3_000)
    played = float(video.evaluate("v => v.currentTime")) - before
    spent = time.monotonic() - started
    assert 0.7 * spent < played < 1.3 * spent, f"{played:.2f} s of video in {spent:.2f} s"


def ffprobe(path: Path) -> list[dict[str, Any]]:
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-show_streams", "-of", "json", str(path)],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    streams: list[dict[str, Any]] = json.loads(done.stdout)["streams"]
    return streams


def check_clip(client: TestClient, camera_id: str, case: Case, folder: Path) -> None:
    """A clip of the last recorded seconds: video at the camera's rate, and its sound."""
    segments = timeline(client, camera_id)["segments"]
    end = datetime.fromisoformat(segments[-1]["end"])
    window = {"start": (end - timedelta(seconds=6)).isoformat(), "end": end.isoformat()}
    response = client.get(f"{CAMERAS}/{camera_id}/clip", params=window)
    assert response.status_code == 200, response.text
    path = folder / f"{case.kind}.mp4"
    path.write_bytes(response.content)
    streams = {s["codec_type"]: s for s in ffprobe(path)}
    video = streams["video"]
    assert video["codec_name"] == ("hevc" if case.h265 else "h264")
    frames, seconds = int(video["nb_read_frames"]), float(video["duration"])
    assert abs(frames / seconds - FPS) < 2, f"{frames} frames in {seconds} s"
    if case.sound:
        audio = streams["audio"]
        assert audio["codec_name"] == "aac"
        assert abs(float(audio["duration"]) - seconds) < 0.5, (audio["duration"], seconds)
    else:
        assert "audio" not in streams


def restart_while_watched(page: Page, camera: ForeignCamera) -> None:
    """The camera reboots for 3 s: the live view comes back by itself, moving."""
    camera.restart(away_seconds=3)
    back_by = time.monotonic() + 30

    def moving() -> bool:
        first = video_frames(page)
        page.wait_for_timeout(1_000)
        return video_frames(page)[1] - first[1] >= FPS // 2

    while not moving():
        assert time.monotonic() < back_by, "the live view did not come back after the restart"


@pytest.mark.parametrize("name", list(CASES))
def test_issue12_done_foreign_camera_records_plays_live_plays_back_and_clips(
    name: str,
    client: TestClient,
    recorder: Recorder,
    signed_in: tuple[Page, list[str]],
    live_server: Any,
    tmp_path: Path,
) -> None:
    case = CASES[name]
    page, errors = signed_in
    with foreign_camera(case.kind, **case.options) as camera:
        bound = bind_url(client, recorder, camera, f"Foreign {name}")
        url = f"{live_server.url}/cameras/{bound['id']}"
        watch_over_webrtc(page, url, case)
        watch_over_websocket(page.context, url, case)
        if case.restarts:
            restart_while_watched(page, camera)
            # Live view is back within seconds now: play back and clip what was recorded
            # since, not across the outage's gap.
            wait_for(lambda: last_span_seconds(client, bound["id"]) >= 8, timeout=60)
        wait_for(lambda: recorded_seconds(client, bound["id"]) >= 8, timeout=60)
        check_timeline_ends_before_now(client, bound["id"])
        play_back(page, url, case)
        check_clip(client, bound["id"], case, tmp_path)
    assert [e for e in errors if "H.265" not in e] == []
