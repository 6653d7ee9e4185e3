"""Issue 12 item 3 (live view over WebRTC): the camera's sound goes to peers that ask for it.

An aiortc client stands in for the browser (the Chromium tests are in
test_webrtc_foreign.py); the camera is a foreign one sending G.711, which the ingest keeps
as AAC and the peer gets as Opus (counted in the client's RTP statistics).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from fastapi.testclient import TestClient

from hearthwatch.media.recorder import Recorder
from tests.media.test_recording import media_token
from tests.media.test_webrtc import online, post_offer
from tests.media.test_webrtc_foreign import bind_url
from tests.support import foreign_cameras
from tests.support.foreign_cameras import foreign_camera

pytestmark = pytest.mark.skipif(
    not foreign_cameras.available(), reason="gst-rtsp-server or ffmpeg missing"
)


async def offer(*kinds: str) -> tuple[RTCPeerConnection, str]:
    peer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    for kind in kinds:
        peer.addTransceiver(kind, direction="recvonly")
    await peer.setLocalDescription(await peer.createOffer())
    return peer, peer.localDescription.sdp


async def audio_packets(peer: RTCPeerConnection) -> int:
    stats = await peer.getStats()
    inbound = [s for s in stats.values() if s.type == "inbound-rtp" and s.kind == "audio"]
    return int(inbound[0].packetsReceived) if inbound else 0


def test_issue12_item3_a_peer_offering_audio_gets_the_cameras_sound_as_opus(
    client: TestClient, alice: Any, recorder: Recorder
) -> None:
    async def run(camera_id: str, token: str) -> tuple[str, list[str], int]:
        peer, sdp = await offer("video", "audio")
        tracks: list[str] = []
        peer.on("track", lambda track: tracks.append(track.kind))
        try:
            response = await asyncio.to_thread(post_offer, client, camera_id, token, sdp)
            assert response.status_code == 200, response.text
            await peer.setRemoteDescription(RTCSessionDescription(**response.json()))
            for _ in range(100):  # Opus sends 50 packets a second: two seconds of sound
                if await audio_packets(peer) >= 100:
                    break
                await asyncio.sleep(0.1)
            return response.json()["sdp"], tracks, await audio_packets(peer)
        finally:
            await peer.close()

    with foreign_camera("h264-pcmu") as camera:
        bound = bind_url(client, recorder, camera, "Doorbell")
        online(client, bound["id"])
        answer, tracks, packets = asyncio.run(
            run(bound["id"], media_token(client, bound["id"], "live"))
        )
    audio = answer.split("m=audio", 1)[1]
    assert re.search(r"a=rtpmap:\d+ opus/48000/2", audio) and "a=sendonly" in audio
    assert tracks == ["video", "audio"]
    assert packets >= 100


@pytest.mark.parametrize(
    ("kinds", "drop", "code"),
    [
        (("audio", "video"), None, "webrtc.offer_unsupported"),  # audio must follow video
        (("video", "audio", "audio"), None, "webrtc.offer_unsupported"),
        (("audio",), None, "webrtc.offer_unsupported"),
        (("video", "audio"), ("opus", "PCMU", "PCMA"), "webrtc.codec_unsupported"),
    ],
)
def test_issue12_item3_offers_with_audio_are_still_checked(
    client: TestClient,
    alice: Any,
    recorder: Recorder,
    kinds: tuple[str, ...],
    drop: tuple[str, ...] | None,
    code: str,
) -> None:
    async def make() -> str:
        peer, sdp = await offer(*kinds)
        await peer.close()
        return sdp

    sdp = asyncio.run(make())
    if drop:
        sdp = "\r\n".join(line for line in sdp.split("\r\n") if not any(c in line for c in drop))
    with foreign_camera("h264-pcmu") as camera:
        bound = bind_url(client, recorder, camera, "Doorbell")
        response = post_offer(client, bound["id"], media_token(client, bound["id"], "live"), sdp)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code
