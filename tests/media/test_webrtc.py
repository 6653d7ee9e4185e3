"""Live view over WebRTC (P12): H.264 forwarded from the shared ingest, authorised like the
live socket, and closed when the credential behind it ends.

An aiortc client stands in for the browser in the API tests; the browser tests drive Debian
chromium and check that the camera page plays over WebRTC, and over the WebSocket when the
browser has no WebRTC.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import av
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, Route, expect

from hearthwatch.context import AppContext
from hearthwatch.media.live_api import webrtc_peers
from hearthwatch.media.webrtc import CONNECT_SECONDS, annexb, parameter_sets
from tests.conftest import STRONG_PASSWORD, sign_in
from tests.media.conftest import SMALL_SCENE, bind, wait_for
from tests.media.test_recording import media_token
from tests.support.browser import DESKTOP, chromium, watched_page

CAMERAS = "/api/v1/cameras"
H264_ONLY = "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 H264/90000\r\n"


def online(client: TestClient, camera_id: str) -> None:
    wait_for(lambda: client.get(f"{CAMERAS}/{camera_id}").json()["online"])


def post_offer(client: TestClient, camera_id: str, token: str | None, sdp: str) -> Any:
    query = f"?token={token}" if token is not None else ""
    return client.post(f"{CAMERAS}/{camera_id}/webrtc{query}", json={"sdp": sdp, "type": "offer"})


async def offer_sdp() -> tuple[RTCPeerConnection, str]:
    """A receive-only video offer, as a browser makes it (candidates gathered)."""
    peer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    peer.addTransceiver("video", direction="recvonly")
    await peer.setLocalDescription(await peer.createOffer())
    return peer, peer.localDescription.sdp


def sample_offer() -> str:
    """A browser-like offer whose peer is gone (for requests that must be refused)."""

    async def make() -> str:
        peer, sdp = await offer_sdp()
        await peer.close()
        return sdp

    return asyncio.run(make())


def as_mdns(sdp: str) -> str:
    """The offer with each candidate's address replaced by an mDNS name, as browsers do."""
    lines = []
    for line in sdp.split("\r\n"):
        fields = line.split(" ")
        if line.startswith("a=candidate:") and len(fields) > 4:
            fields[4] = f"{uuid.uuid4()}.local"
        lines.append(" ".join(fields))
    return "\r\n".join(lines)


@asynccontextmanager
async def watching(
    client: TestClient, camera_id: str, token: str, *, mdns: bool = False
) -> AsyncIterator[Any]:
    """An aiortc peer receiving the camera: yields (peer, track)."""
    peer, sdp = await offer_sdp()
    sdp = as_mdns(sdp) if mdns else sdp
    tracks: asyncio.Queue[MediaStreamTrack] = asyncio.Queue()
    peer.on("track", tracks.put_nowait)
    try:
        response = await asyncio.to_thread(post_offer, client, camera_id, token, sdp)
        assert response.status_code == 200, response.text
        assert response.json()["type"] == "answer"
        await peer.setRemoteDescription(RTCSessionDescription(**response.json()))
        yield peer, await asyncio.wait_for(tracks.get(), 10)
    finally:
        await peer.close()


async def frames(track: MediaStreamTrack, count: int) -> list[av.VideoFrame]:
    got = [await asyncio.wait_for(track.recv(), 20) for _ in range(count)]
    return [frame for frame in got if isinstance(frame, av.VideoFrame)]


def test_p12_webrtc_peers_get_decodable_frames_from_one_shared_ingest(
    client: TestClient, bound: dict[str, Any], ctx: AppContext, app: FastAPI
) -> None:
    online(client, bound["id"])
    token = media_token(client, bound["id"], "live")

    async def run() -> tuple[list[av.VideoFrame], list[av.VideoFrame]]:
        async with (
            watching(client, bound["id"], token) as (_, first),
            watching(client, bound["id"], token) as (_, second),
        ):
            assert len(webrtc_peers(app).peers) == 2
            return await frames(first, 30), await frames(second, 5)

    first, second = asyncio.run(run())
    assert ctx.recorder is not None and len(ctx.recorder.ingests) == 1
    assert (first[0].width, first[0].height) == (SMALL_SCENE.width, SMALL_SCENE.height)
    assert len(first) == 30 and len(second) == 5
    assert first[-1].pts is not None and first[0].pts is not None
    assert first[-1].pts > first[0].pts
    wait_for(lambda: not webrtc_peers(app).peers, timeout=10)


def test_p12_an_offer_naming_its_addresses_by_mdns_connects(
    client: TestClient, bound: dict[str, Any]
) -> None:
    """The server answers without resolving the names; the browser's checks connect."""
    online(client, bound["id"])
    token = media_token(client, bound["id"], "live")

    async def run() -> list[av.VideoFrame]:
        async with watching(client, bound["id"], token, mdns=True) as (_, track):
            return await frames(track, 3)

    assert len(asyncio.run(run())) == 3


@pytest.mark.parametrize("token", [None, "", "forged.token", "playback"])
def test_p12_webrtc_needs_a_valid_live_token(
    client: TestClient, bound: dict[str, Any], token: str | None
) -> None:
    if token == "playback":
        token = media_token(client, bound["id"], "playback")
    sdp = sample_offer()
    response = post_offer(client, bound["id"], token, sdp)
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "media.token_invalid"


def test_p12_webrtc_refuses_another_users_camera(
    client: TestClient, bound: dict[str, Any], make_user: Any, registered: list[Any]
) -> None:
    bob = make_user("bob@example.org")
    sign_in(client, bob.email)
    bobs = bind(client, registered[1], "Bob's porch")
    bobs_token = media_token(client, bobs["id"], "live")
    sdp = sample_offer()
    refused = client.post(f"{CAMERAS}/{bound['id']}/media-token", json={"scope": "live"})
    assert refused.status_code == 404, refused.text
    response = post_offer(client, bound["id"], bobs_token, sdp)
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "media.token_invalid"


@pytest.mark.parametrize(
    ("sdp", "code"),
    [
        ("garbage", "webrtc.offer_invalid"),
        ("m=video x y z\r\n", "webrtc.offer_invalid"),
        ("v=0\r\na=fingerprint:sha-256\r\n", "webrtc.offer_invalid"),
        (f"v=0\r\n{H264_ONLY}", "webrtc.offer_invalid"),  # no ICE, no DTLS
        (f"v=0\r\n{H264_ONLY}{H264_ONLY}", "webrtc.offer_unsupported"),
    ],
)
def test_webrtc_garbage_offers_get_a_coded_422(
    client: TestClient, bound: dict[str, Any], sdp: str, code: str
) -> None:
    online(client, bound["id"])
    token = media_token(client, bound["id"], "live")
    response = post_offer(client, bound["id"], token, sdp)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code


def test_webrtc_offer_without_h264_is_refused(client: TestClient, bound: dict[str, Any]) -> None:
    online(client, bound["id"])
    token = media_token(client, bound["id"], "live")
    sdp = sample_offer()
    without_h264 = "\r\n".join(line for line in sdp.split("\r\n") if "H264" not in line)
    response = post_offer(client, bound["id"], token, without_h264)
    assert response.status_code == 422, response.text


def test_p12_webrtc_peer_is_closed_when_its_session_signs_out(
    client: TestClient, bound: dict[str, Any], app: FastAPI
) -> None:
    online(client, bound["id"])
    token = media_token(client, bound["id"], "live")
    peers = webrtc_peers(app)
    peers.recheck_seconds = 0.3

    async def run() -> str:
        async with watching(client, bound["id"], token) as (peer, track):
            await frames(track, 3)
            response = await asyncio.to_thread(client.post, "/api/v1/auth/logout")
            assert response.status_code == 204
            for _ in range(100):
                if not peers.peers and peer.connectionState in ("closed", "failed"):
                    break
                await asyncio.sleep(0.1)
            return str(peer.connectionState)

    assert asyncio.run(run()) in ("closed", "failed")
    assert not peers.peers


def test_p12_webrtc_peer_is_closed_when_the_camera_is_removed(
    client: TestClient, bound: dict[str, Any], app: FastAPI
) -> None:
    online(client, bound["id"])
    token = media_token(client, bound["id"], "live")
    peers = webrtc_peers(app)
    peers.recheck_seconds = 0.3

    async def run() -> None:
        async with watching(client, bound["id"], token) as (_, track):
            await frames(track, 3)
            response = await asyncio.to_thread(client.delete, f"{CAMERAS}/{bound['id']}")
            assert response.status_code == 204, response.text
            for _ in range(100):
                if not peers.peers:
                    break
                await asyncio.sleep(0.1)

    asyncio.run(run())
    assert not peers.peers


def test_annexb_puts_parameter_sets_before_a_keyframe() -> None:
    sps, pps = b"\x67\x64\x00\x1f\xac", b"\x68\xee\x3c\x80"
    from hearthwatch.media.fmp4 import init_segment

    assert parameter_sets(init_segment(sps, pps, 640, 360)) == (sps, pps)
    idr = b"\x65\x88\x84\x00"
    avcc = len(idr).to_bytes(4, "big") + idr
    assert annexb(avcc, b"\x00\x00\x00\x01" + sps) == (
        b"\x00\x00\x00\x01" + sps + b"\x00\x00\x00\x01" + idr
    )


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium("--autoplay-policy=no-user-gesture-required") as launched:
        yield launched


@pytest.fixture
def camera_page(
    browser: Browser, live_server: Any, bound: dict[str, Any], alice: Any, app: FastAPI
) -> Iterator[tuple[Page, list[str]]]:
    """Alice's camera page is ready to open in a fresh browser context; its console errors."""
    with watched_page(browser, timeout_ms=20_000, viewport=DESKTOP) as (page, errors):
        page.goto(f"{live_server.url}/signin")
        page.get_by_label("E-mail address").fill(alice.email)
        page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="My devices")).to_be_visible()
        yield page, errors
    # The browser closed its peer connections; the server notices and lets them go (a peer
    # answered just as the page was left never connects, and goes after CONNECT_SECONDS).
    wait_for(lambda: not webrtc_peers(app).peers, timeout=CONNECT_SECONDS + 10)


def plays(page: Page) -> None:
    player = page.locator("[data-live-player]")
    expect(player).to_have_attribute("data-state", "live", timeout=30_000)
    video = page.locator("[data-live-player] video")
    progress = "v => [v.currentTime, v.getVideoPlaybackQuality().totalVideoFrames]"
    first = video.evaluate(progress)
    # The picture keeps moving: a second of media and 25 decoded frames more. A loaded CI
    # machine may decode in bursts, so the check waits for it (up to 10 s) instead of
    # sampling once after a fixed pause.
    second = first
    for _ in range(50):
        page.wait_for_timeout(200)
        second = video.evaluate(progress)
        if second[0] > first[0] + 1.0 and second[1] > first[1] + 25:
            break
    assert second[0] > first[0] + 1.0, (first, second)
    assert second[1] > first[1] + 25, (first, second)
    print("LATENCY", player.get_attribute("data-latency-ms"), first, second)


@pytest.mark.browser
def test_p12_camera_page_plays_live_over_webrtc(
    camera_page: tuple[Page, list[str]], live_server: Any, bound: dict[str, Any], app: FastAPI
) -> None:
    page, errors = camera_page
    page.goto(f"{live_server.url}/cameras/{bound['id']}")
    plays(page)
    expect(page.locator("[data-live-transport]")).to_have_text("WebRTC")
    assert webrtc_peers(app).peers  # with perhaps one the home page's tile made on the way
    latency = int(page.locator("[data-live-player]").get_attribute("data-latency-ms") or "99999")
    assert latency < 1_000
    assert errors == []


@pytest.mark.browser
def test_p12_without_webrtc_the_camera_page_plays_over_the_websocket(
    camera_page: tuple[Page, list[str]], live_server: Any, bound: dict[str, Any]
) -> None:
    page, errors = camera_page
    page.add_init_script("delete window.RTCPeerConnection;")
    page.goto(f"{live_server.url}/cameras/{bound['id']}")
    plays(page)
    expect(page.locator("[data-live-transport]")).to_have_text("WebSocket")
    assert errors == []


@pytest.mark.browser
def test_p12_signing_out_ends_the_live_picture_over_webrtc(
    camera_page: tuple[Page, list[str]], live_server: Any, bound: dict[str, Any], app: FastAPI
) -> None:
    webrtc_peers(app).recheck_seconds = 0.3
    page, _errors = camera_page  # the refused requests are logged as errors: expected here
    page.goto(f"{live_server.url}/cameras/{bound['id']}")
    expect(page.locator("[data-live-transport]")).to_have_text("WebRTC", timeout=30_000)
    signed_out = page.evaluate(
        """() => fetch('/api/v1/auth/logout', {
          method: 'POST',
          headers: {'x-csrf-token': document.querySelector('meta[name=csrf-token]').content},
        }).then(r => r.status)"""
    )
    assert signed_out == 204
    player = page.locator("[data-live-player]")
    expect(player).to_have_attribute("data-state", "ended", timeout=20_000)
    expect(player).to_contain_text("Your sign-in has ended")


@pytest.mark.browser
def test_p12_webrtc_that_cannot_connect_falls_back_to_the_websocket(
    camera_page: tuple[Page, list[str]], live_server: Any, bound: dict[str, Any]
) -> None:
    """As when UDP is blocked: the answer's candidates lead nowhere, so no frame comes."""
    page, _errors = camera_page

    def unreachable(route: Route) -> None:
        response = route.fetch()
        answer = response.json()
        answer["sdp"] = re.sub(
            r"(a=candidate:\S+ \d+ udp \d+ )\S+ \d+", r"\g<1>127.0.0.1 9", answer["sdp"]
        )
        route.fulfill(response=response, json=answer)

    page.route("**/webrtc?*", unreachable)
    page.goto(f"{live_server.url}/cameras/{bound['id']}")
    plays(page)
    expect(page.locator("[data-live-transport]")).to_have_text("WebSocket")
