"""Issue 12 item 1 (live view over WebRTC): a camera sending H.264 with B-frames reaches
WebRTC peers re-encoded without them, in presentation order at the camera's rate; only a
few peers may cost that at once (the others use the WebSocket, which plays B-frames).

An aiortc client stands in for the browser (Chromium's rate is measured in
test_webrtc_foreign.py).
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import av
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hearthwatch.media.live_api import webrtc_peers
from hearthwatch.media.recorder import Recorder
from tests.media.test_recording import media_token
from tests.media.test_webrtc import frames, post_offer, watching
from tests.media.test_webrtc_audio import offer
from tests.media.test_webrtc_foreign import bind_url
from tests.support import foreign_cameras
from tests.support.foreign_cameras import foreign_camera

pytestmark = pytest.mark.skipif(
    not foreign_cameras.available(), reason="gst-rtsp-server or ffmpeg missing"
)


def test_issue12_item1_b_frames_reach_a_webrtc_peer_in_order_at_the_cameras_rate(
    client: TestClient, alice: Any, recorder: Recorder, app: FastAPI
) -> None:
    async def run(camera_id: str, token: str) -> tuple[list[av.VideoFrame], float, bool]:
        async with watching(client, camera_id, token) as (_, track):
            await frames(track, 25)  # the cached GOP, sent at once
            loop = asyncio.get_running_loop()
            started = loop.time()
            got = await frames(track, 75)
            reencoding = all(peer.track.reencoding for peer in webrtc_peers(app).peers)
            return got, loop.time() - started, reencoding

    with foreign_camera("h264-bframes-aac") as camera:
        bound = bind_url(client, recorder, camera, "B-frames")
        token = media_token(client, bound["id"], "live")
        got, seconds, reencoding = asyncio.run(run(bound["id"], token))
    assert reencoding
    assert len(got) == 75
    stamps = [frame.pts for frame in got]
    assert all(b > a for a, b in itertools.pairwise(stamps)), stamps  # type: ignore[operator]
    print("RATE", 75 / seconds)
    assert 20 <= 75 / seconds <= 30, seconds


def test_issue12_item1_peers_re_encoding_b_frames_are_capped(
    client: TestClient, alice: Any, recorder: Recorder, app: FastAPI
) -> None:
    webrtc_peers(app).max_reencoding = 0

    async def make() -> str:
        peer, sdp = await offer("video")
        await peer.close()
        return sdp

    with foreign_camera("h264-bframes-aac") as camera:
        bound = bind_url(client, recorder, camera, "B-frames")
        token = media_token(client, bound["id"], "live")
        response = post_offer(client, bound["id"], token, asyncio.run(make()))
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == "webrtc.reencoding_busy"
