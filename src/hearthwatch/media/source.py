"""Where ingest meets a camera: the `CameraSource` seam, and the RTSP camera behind it.

Ingest (media/ingest.py) is written against `CameraSource`: one open session with a camera
that says what its video (and sound) stream is, hands over the camera's compressed packets
in the order they arrive, each with its decode and presentation time in its stream's time
base, and closes. It never decodes: the packets are stored and sent live as they came.

`open_rtsp_source` is the real camera, and the only way the recorder connects to one: the
address resolved and checked by the outbound policy and pinned to the checked address, the
stream's owner asked about (`vet`: one stream, one account), redirects refused before
FFmpeg could follow one (media/rtsp_preflight.py), then PyAV opens the stream over the
transport media/connection.py chose, allowed only the protocols an RTSP session needs.
A test can hand `CameraIngest` another opener.

The packets are PyAV's own (`av.Packet`): ingest runs for every frame of every camera, and
a copy into another type per frame would cost more than the rest of its work on it.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import av
from av.container import InputContainer

from hearthwatch.media.connection import ANALYZE_US
from hearthwatch.media.rtsp_preflight import refuse_redirects
from hearthwatch.protocols.rtsp_url import StreamAddress, parse_stream_url, raw_userinfo
from hearthwatch.security.outbound import OutboundPolicy

# FFmpeg follows an address to whatever protocol it names (file:, http:, concat:, a
# playlist's entries): only what an RTSP session needs is allowed.
PROTOCOLS = "rtp,udp,tcp,rtsp,tls"
# The demuxer's own socket time-out covers connecting and every read, so a silent camera
# ends the session. PyAV's `timeout=` would do it with an interrupt callback that takes the
# GIL on every socket read of every camera: a few thousand times a second.
READ_TIMEOUT_S = 5.0

TargetCheck = Callable[[StreamAddress, str], None]  # (address, the host it resolved to)


class CameraSource(Protocol):
    """One open session with a camera, as ingest reads it."""

    @property
    def video(self) -> av.video.stream.VideoStream:
        """The video stream: codec and its parameters, picture size, time base, frame rate."""
        ...

    @property
    def audio(self) -> av.audio.stream.AudioStream | None:
        """The sound stream, if the camera sends one."""
        ...

    def packets(self, *, audio: bool) -> Iterator[av.Packet[Any]]:
        """The video packets (and the sound's, when `audio`) in the order they arrive; ends
        when the camera closes the stream, raises when the connection fails."""
        ...

    def close(self) -> None:
        """End the session."""
        ...


# (url with credentials, outbound policy, vet, transport) -> an open session
SourceOpener = Callable[[str, OutboundPolicy, TargetCheck | None, str], CameraSource]


def connect_url(url: str, policy: OutboundPolicy, vet: TargetCheck | None = None) -> str:
    """The URL to open: its name resolved and checked now, pinned to the checked address;
    `vet` may refuse the stream found there (one stream, one account)."""
    address, _, _ = parse_stream_url(url)
    found = policy.resolve(address)
    if not found:
        raise socket.gaierror(socket.EAI_NONAME, f"{address.host} does not resolve")
    if vet is not None:
        vet(address, found[0])
    return address.with_host(found[0], raw_userinfo(url))


def pinned_url(url: str, policy: OutboundPolicy, vet: TargetCheck | None, *, timeout: float) -> str:
    """`connect_url`, then the pre-flight that refuses a redirect (FFmpeg would follow one
    anywhere): the address FFmpeg may be given."""
    pinned = connect_url(url, policy, vet)
    refuse_redirects(pinned, timeout=timeout)
    return pinned


class RtspSource:
    """A camera's RTSP stream opened by PyAV (FFmpeg), read by packet copy."""

    def __init__(
        self, pinned: str, transport: str, *, read_timeout: float, interrupt: bool = False
    ) -> None:
        """Open `pinned` (from `pinned_url`) over `transport`, `read_timeout` the socket
        time-out; `interrupt` adds PyAV's own on top (for a short look, media/probe.py)."""
        options = {
            "timeout": str(int(read_timeout * 1_000_000)),
            "rtsp_transport": transport,  # media/connection.py chooses
            "analyzeduration": ANALYZE_US,  # a camera back from a reboot records sooner
            # No "nobuffer": the packets read while the stream's format is probed would be
            # thrown away, and with them the keyframe a camera starts a session with.
            "protocol_whitelist": PROTOCOLS,
        }
        timeout = (read_timeout, read_timeout) if interrupt else None
        self._box: InputContainer = av.open(pinned, options=options, timeout=timeout)
        try:
            self._video = self._box.streams.video[0]
        except IndexError:
            self._box.close()
            raise
        self._audio = self._box.streams.audio[0] if self._box.streams.audio else None

    @property
    def video(self) -> av.video.stream.VideoStream:
        return self._video

    @property
    def audio(self) -> av.audio.stream.AudioStream | None:
        return self._audio

    def packets(self, *, audio: bool) -> Iterator[av.Packet[Any]]:
        wanted = [self._video, self._audio] if audio and self._audio is not None else [self._video]
        return self._box.demux(wanted)  # the demuxer's own iterator: nothing added per packet

    def close(self) -> None:
        self._box.close()


def open_rtsp_source(
    url: str, policy: OutboundPolicy, vet: TargetCheck | None, transport: str
) -> RtspSource:
    """The recorder's session with the camera at `url` (credentials in it, if any)."""
    pinned = pinned_url(url, policy, vet, timeout=READ_TIMEOUT_S)
    return RtspSource(pinned, transport, read_timeout=READ_TIMEOUT_S)
