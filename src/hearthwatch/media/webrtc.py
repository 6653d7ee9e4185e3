"""Live view over WebRTC: the camera's own H.264 (and its sound) to each browser.

The browser sends an SDP offer (a receive-only video section, and an audio section if it
wants sound) and gets an answer; from then on aiortc sends the camera's frames as RTP.
Every peer reads from the camera's `LiveHub`, so any number of peers share one ingest. The
video track (`webrtc_video`) forwards the camera's H.264 without decoding, starts on the
cached keyframe and never waits for the next one when it falls behind; B-frame streams
are re-encoded without B-frames for it (`webrtc_reencode`). The audio track
(`webrtc_audio`) decodes the camera's AAC for aiortc to send as Opus or G.711. H.265
cameras are refused here: the player then uses Media Source Extensions where the browser
can decode H.265, and says what it lacks where not.

Who may watch is decided by the caller: `WebRtcPeers.answer` takes a check that is run
again every `recheck_seconds` while the peer lives, and the peer is closed when it fails,
when the camera's stream ends, when the connection fails, and at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from aiortc import (
    RTCConfiguration,
    RTCIceCandidate,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.sdp import MediaDescription, SessionDescription

from hearthwatch.errors import NotFound, RateLimited, ValidationFailed
from hearthwatch.media.live import LiveHub
from hearthwatch.media.webrtc_audio import LiveAudioTrack
from hearthwatch.media.webrtc_video import LiveVideoTrack, annexb, parameter_sets
from hearthwatch.settings import Settings

log = logging.getLogger("hearthwatch.webrtc")
AUDIO_CODECS = frozenset({"audio/opus", "audio/pcmu", "audio/pcma"})
__all__ = ["CONNECT_SECONDS", "WebRtcPeers", "annexb", "ice_servers", "parameter_sets"]

CONNECT_SECONDS = 10.0
MAX_PEERS = 64
MAX_REENCODING = 4  # peers of B-frame cameras (decoded and encoded again) at once


def ice_servers(settings: Settings) -> list[RTCIceServer]:
    """The configured STUN and TURN servers; none by default (host candidates only)."""
    servers = [RTCIceServer(urls=settings.webrtc_stun_url)] if settings.webrtc_stun_url else []
    if settings.webrtc_turn_url:
        servers.append(
            RTCIceServer(
                urls=settings.webrtc_turn_url,
                username=settings.webrtc_turn_username or None,
                credential=settings.webrtc_turn_password or None,
            )
        )
    return servers


@dataclass(frozen=True)
class _Offer:
    description: RTCSessionDescription
    # Browsers name their own addresses by random mDNS names; aioice resolves each before
    # the answer can be made (up to a second). They are added after answering instead: the
    # browser's checks to our candidates connect without them.
    mdns: list[RTCIceCandidate]
    wants_audio: bool = False


def _checked_offer(sdp: str) -> _Offer:
    """The offer, if it asks for one H.264 video stream (and at most one audio stream) we
    can send; else a 422."""
    try:
        parsed = SessionDescription.parse(sdp)
    except Exception as err:  # the parser fails on bad input in many ways (even assert)
        raise ValidationFailed("The offer is not valid SDP.", code="webrtc.offer_invalid") from err
    media = parsed.media
    if not media:
        raise ValidationFailed("The offer holds no media.", code="webrtc.offer_invalid")
    kinds = [section.kind for section in media]
    if kinds not in (["video"], ["video", "audio"]):
        raise ValidationFailed(
            "Offer one video stream, and at most one audio stream after it.",
            code="webrtc.offer_unsupported",
        )
    for section in media:
        _check_section(section)
    mdns = [c for m in media for c in m.ice_candidates if c.ip.lower().endswith(".local")]
    if mdns:
        sdp = "".join(line for line in sdp.splitlines(keepends=True) if not _deferred(line))
    return _Offer(RTCSessionDescription(sdp=sdp, type="offer"), mdns, wants_audio=len(media) > 1)


CODECS = {"video": frozenset({"video/h264"}), "audio": AUDIO_CODECS}


def _check_section(section: MediaDescription) -> None:
    if (
        not section.ice
        or not section.ice.usernameFragment
        or not section.dtls
        or not section.dtls.fingerprints
    ):
        raise ValidationFailed(
            "The offer lacks ICE or DTLS parameters.", code="webrtc.offer_invalid"
        )
    if section.direction not in (None, "recvonly", "sendrecv"):
        raise ValidationFailed(
            f"The offer must receive {section.kind}.", code="webrtc.offer_unsupported"
        )
    if not any(codec.mimeType.lower() in CODECS[section.kind] for codec in section.rtp.codecs):
        needs = "H.264" if section.kind == "video" else "Opus or G.711"
        raise ValidationFailed(
            f"This live view needs {needs} support for WebRTC.",
            code="webrtc.codec_unsupported",
        )


def _deferred(line: str) -> bool:
    """An mDNS candidate, or the end of candidates (more are to come: the deferred ones, and
    those the browser's checks reveal)."""
    if line.startswith("a=end-of-candidates"):
        return True
    fields = line.split()
    is_candidate = line.startswith("a=candidate:") and len(fields) > 4
    return is_candidate and fields[4].lower().endswith(".local")


async def _add_later(connection: RTCPeerConnection, candidates: list[RTCIceCandidate]) -> None:
    for candidate in candidates:
        candidate.sdpMLineIndex = 0
        with contextlib.suppress(Exception):  # best effort: the peer may be gone already
            await connection.addIceCandidate(candidate)


@dataclass(eq=False)
class LivePeer:
    connection: RTCPeerConnection
    track: LiveVideoTrack
    still_allowed: Callable[[], bool]
    audio: LiveAudioTrack | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


class WebRtcPeers:
    """Every live peer connection of this process."""

    def __init__(self, servers: list[RTCIceServer], *, recheck_seconds: float = 15.0) -> None:
        self.servers = servers
        self.recheck_seconds = recheck_seconds
        self.max_reencoding = MAX_REENCODING
        self.peers: set[LivePeer] = set()
        self._closing: set[asyncio.Task[None]] = set()

    async def answer(self, offer: str, hub: LiveHub, *, still_allowed: Callable[[], bool]) -> str:
        """The SDP answer to `offer`: a peer sending `hub`'s video (and its sound, if the
        offer asks for it and the camera has any) while `still_allowed()`."""
        checked = _checked_offer(offer)
        if len(self.peers) >= MAX_PEERS:
            raise RateLimited("Too many live viewers.", retry_after_s=10, code="webrtc.busy")
        if hub.init is None:
            raise NotFound("The camera is offline.", code="camera.offline")
        if b"avcC" not in hub.init:  # H.265: browsers' WebRTC cannot be counted on for it
            raise ValidationFailed(
                "This camera sends H.265, which live view over WebRTC cannot carry.",
                code="webrtc.camera_codec_unsupported",
            )
        if any(frame.sample.offset for frame in hub.gop) and self._reencoding_full():
            raise RateLimited(
                "Too many live viewers of cameras that send B-frames over WebRTC.",
                retry_after_s=10,
                code="webrtc.reencoding_busy",
            )
        connection = RTCPeerConnection(RTCConfiguration(iceServers=self.servers))
        loop = asyncio.get_running_loop()
        peer = LivePeer(connection, LiveVideoTrack(hub, loop), still_allowed)
        if checked.wants_audio and hub.audio is not None:
            peer.audio = LiveAudioTrack(hub, loop, hub.audio)
        self.peers.add(peer)
        try:
            local = await self._negotiate(peer, checked.description)
        except Exception:
            await self.close(peer)
            raise
        self._watch(peer)
        log.info("live peer answered", extra={"peers": len(self.peers)})
        if checked.mdns:
            peer.tasks.append(asyncio.create_task(_add_later(connection, checked.mdns)))
        return local.sdp

    def _reencoding_full(self) -> bool:
        return sum(peer.track.reencoding for peer in self.peers) >= self.max_reencoding

    async def _negotiate(
        self, peer: LivePeer, offer: RTCSessionDescription
    ) -> RTCSessionDescription:
        connection = peer.connection
        # Made before the offer is applied, since that is when aiortc picks the codecs.
        transceiver = connection.addTransceiver(peer.track, direction="sendonly")
        # aiortc answers a browser's RTCP PLI or FIR by asking its encoder for a keyframe;
        # with no encoder (the camera's own frames) the track restarts from the hub's.
        transceiver.sender._send_keyframe = peer.track.picture_lost  # type: ignore[method-assign]
        transceiver.setCodecPreferences(
            [
                codec
                for codec in RTCRtpSender.getCapabilities("video").codecs
                if codec.mimeType.lower() == "video/h264"
            ]
        )
        if peer.audio is not None:
            connection.addTransceiver(peer.audio, direction="sendonly")
        try:
            await connection.setRemoteDescription(offer)
        except Exception as err:  # aiortc checks more than the parser: same answer to all
            raise ValidationFailed("The offer was refused.", code="webrtc.offer_invalid") from err
        await connection.setLocalDescription(await connection.createAnswer())
        return connection.localDescription

    def _watch(self, peer: LivePeer) -> None:
        @peer.connection.on("connectionstatechange")
        def on_state() -> None:
            if peer.connection.connectionState in ("failed", "closed"):
                self._close_soon(peer)

        peer.track.on("ended", lambda: self._close_soon(peer))
        peer.tasks.append(asyncio.create_task(self._guard(peer)))

    async def _guard(self, peer: LivePeer) -> None:
        """Close the peer when it does not connect in time or may no longer watch."""
        loop = asyncio.get_running_loop()
        connect_by = loop.time() + CONNECT_SECONDS
        recheck_at = loop.time() + self.recheck_seconds
        connected = False
        while True:
            await asyncio.sleep(min(1.0, self.recheck_seconds))
            connected = connected or peer.connection.connectionState == "connected"
            if not connected and loop.time() > connect_by:
                break  # e.g. the page was left before it could use the answer
            if loop.time() >= recheck_at:
                if not await asyncio.to_thread(peer.still_allowed):
                    break
                recheck_at = loop.time() + self.recheck_seconds
        self._close_soon(peer)

    def _close_soon(self, peer: LivePeer) -> None:
        if peer in self.peers:
            self.peers.discard(peer)  # once, whichever reason comes first
            task = asyncio.get_running_loop().create_task(self.close(peer))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    async def close(self, peer: LivePeer) -> None:
        self.peers.discard(peer)
        log.info("live peer closed", extra={"peers": len(self.peers)})
        current = asyncio.current_task()
        for task in peer.tasks:
            if task is not current:
                task.cancel()
        peer.track.stop()
        if peer.audio is not None:
            peer.audio.stop()
        await peer.connection.close()

    async def close_all(self) -> None:
        """At shutdown: close every peer connection."""
        for peer in list(self.peers):
            with contextlib.suppress(Exception):
                await self.close(peer)
