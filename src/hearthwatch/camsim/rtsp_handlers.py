"""What a simulated camera answers to each RTSP method, once the camera is known and online."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from typing import Protocol

from hearthwatch.camsim.camera import AUDIO_TRACK, VIDEO_TRACK, SimulatedCamera
from hearthwatch.camsim.rtp import AUDIO_PAYLOAD_TYPE, PAYLOAD_TYPE, RtpPacketizer
from hearthwatch.camsim.rtsp_messages import DigestAuth, RtspRequest, RtspResponse, parse_transport
from hearthwatch.camsim.rtsp_session import RtspSession, open_udp_link
from hearthwatch.camsim.sound import AudioClip
from hearthwatch.protocols.h264 import profile_level_id, sprop_parameter_sets

Handler = Callable[[RtspRequest, SimulatedCamera, str], Awaitable[RtspResponse]]

# One client rarely needs more than a stream or two; the cap bounds the sockets it can hold.
MAX_SESSIONS_PER_CONNECTION = 8


class _SessionTimeouts(Protocol):
    @property
    def session_timeout_s(self) -> float: ...


class Connection(Protocol):
    """What the handlers read and change of one client's connection (rtsp_server's
    `RtspConnection`): described here, so that the server imports the handlers and not
    the other way round."""

    @property
    def server(self) -> _SessionTimeouts: ...
    @property
    def writer(self) -> asyncio.StreamWriter: ...
    @property
    def sessions(self) -> dict[str, list[RtspSession]]: ...
    @property
    def local_host(self) -> str: ...
    @property
    def peer_host(self) -> str: ...
    def new_session_id(self) -> str: ...
    def sessions_of(self, request: RtspRequest) -> list[RtspSession] | None: ...
    def all_sessions(self) -> list[RtspSession]: ...


class RequestHandlers:
    """DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN and GET_PARAMETER for one connection."""

    METHODS = "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER"

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.auth: dict[str, DigestAuth] = {}
        self.table: dict[str, Handler] = {
            "DESCRIBE": self.describe,
            "SETUP": self.setup,
            "PLAY": self.play,
            "PAUSE": self.pause,
            "TEARDOWN": self.teardown,
            "GET_PARAMETER": self.keepalive,
        }

    async def handle(
        self, request: RtspRequest, camera: SimulatedCamera, stream: str
    ) -> RtspResponse:
        denied = self._authenticate(camera, request)
        if denied is not None:
            return denied
        handler = self.table.get(request.method)
        if handler is None:
            return RtspResponse(405, "Method Not Allowed", {"Allow": self.METHODS})
        return await handler(request, camera, stream)

    def _authenticate(self, camera: SimulatedCamera, request: RtspRequest) -> RtspResponse | None:
        if camera.username is None or camera.password is None:
            return None
        auth = self.auth.setdefault(camera.serial, DigestAuth(camera.username, camera.password))
        return None if auth.accepts(request) else auth.challenge()

    async def describe(
        self, request: RtspRequest, camera: SimulatedCamera, stream: str
    ) -> RtspResponse:
        headers = {"Content-Base": request.url.rstrip("/") + "/", "Content-Type": "application/sdp"}
        return RtspResponse(200, "OK", headers, self._sdp(camera, stream))

    def _sdp(self, camera: SimulatedCamera, stream: str) -> bytes:
        source = camera.streams[stream]
        fmtp = (
            f"packetization-mode=1;profile-level-id={profile_level_id(source.sps)};"
            f"sprop-parameter-sets={sprop_parameter_sets(source.sps, source.pps)}"
        )
        lines = [
            "v=0",
            f"o=- {secrets.randbits(31)} 1 IN IP4 {self.connection.local_host}",
            f"s={camera.name}",
            "c=IN IP4 0.0.0.0",
            "t=0 0",
            "a=control:*",
            "m=video 0 RTP/AVP 96",
            "a=rtpmap:96 H264/90000",
            f"a=fmtp:96 {fmtp}",
            f"a=framerate:{source.fps}",
            f"a=x-dimensions:{source.width},{source.height}",
            "a=control:trackID=0",
        ]
        if camera.audio is not None:
            lines += audio_media_lines(camera.audio)
        return "\r\n".join([*lines, ""]).encode()

    async def setup(
        self, request: RtspRequest, camera: SimulatedCamera, stream: str
    ) -> RtspResponse:
        connection = self.connection
        asked_id = request.session_id
        if asked_id and asked_id not in connection.sessions:
            return RtspResponse(454, "Session Not Found")
        if len(connection.all_sessions()) >= MAX_SESSIONS_PER_CONNECTION:
            return RtspResponse(453, "Not Enough Bandwidth")
        try:
            wanted = parse_transport(request.headers.get("transport", ""))
        except ValueError:
            return RtspResponse(400, "Bad Request")
        track = track_of(request.url)
        if track not in (VIDEO_TRACK, AUDIO_TRACK) or (track and camera.audio is None):
            return RtspResponse(404, "Not Found")
        session_id = asked_id or connection.new_session_id()
        session = RtspSession(
            session_id,
            camera,
            stream,
            connection.writer,
            url=request.url,
            track=track,
            packetizer=packetizer_for(camera, track),
        )
        if wanted.interleaved is not None:
            session.channels = wanted.interleaved
            reply = "RTP/AVP/TCP;unicast;interleaved={}-{}".format(*wanted.interleaved)
        elif wanted.client_ports is not None:
            session.udp = await open_udp_link(
                connection.local_host, connection.peer_host, wanted.client_ports, session.touch
            )
            ports = (*wanted.client_ports, *session.udp.server_ports)
            reply = "RTP/AVP;unicast;client_port={}-{};server_port={}-{}".format(*ports)
        else:
            return RtspResponse(461, "Unsupported Transport")
        connection.sessions.setdefault(session_id, []).append(session)
        timeout = max(1, round(connection.server.session_timeout_s))
        return RtspResponse(
            200, "OK", {"Transport": reply, "Session": f"{session_id};timeout={timeout}"}
        )

    async def play(
        self, request: RtspRequest, camera: SimulatedCamera, stream: str
    ) -> RtspResponse:
        sessions = self.connection.sessions_of(request)
        if not sessions:
            return RtspResponse(454, "Session Not Found")
        for session in sessions:
            session.waiting_for_key = True
            session.companion = _companion(session, sessions)
            session.camera.broadcasters[session.stream].subscribe(session)
        rtp_info = ",".join(f"url={s.url};seq={s.packetizer.sequence}" for s in sessions)
        headers = {"Session": sessions[0].id, "Range": "npt=now-", "RTP-Info": rtp_info}
        return RtspResponse(200, "OK", headers)

    async def pause(
        self, request: RtspRequest, camera: SimulatedCamera, stream: str
    ) -> RtspResponse:
        sessions = self.connection.sessions_of(request)
        if not sessions:
            return RtspResponse(454, "Session Not Found")
        for session in sessions:
            session.camera.broadcasters[session.stream].unsubscribe(session)
        return RtspResponse(200, "OK", {"Session": sessions[0].id})

    async def teardown(
        self, request: RtspRequest, camera: SimulatedCamera, stream: str
    ) -> RtspResponse:
        for session in self.connection.sessions.pop(request.session_id, []):
            session.stop()
        return RtspResponse(200, "OK")

    async def keepalive(
        self, request: RtspRequest, camera: SimulatedCamera, stream: str
    ) -> RtspResponse:
        return RtspResponse(200, "OK")


def audio_media_lines(clip: AudioClip) -> list[str]:
    """The SDP media section of the audio track: AAC-LC as MPEG4-GENERIC (RFC 3640)."""
    fmtp = (
        "streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;"
        f"indexdeltalength=3;config={clip.config.hex().upper()}"
    )
    return [
        f"m=audio 0 RTP/AVP {AUDIO_PAYLOAD_TYPE}",
        f"a=rtpmap:{AUDIO_PAYLOAD_TYPE} MPEG4-GENERIC/{clip.sample_rate}/1",
        f"a=fmtp:{AUDIO_PAYLOAD_TYPE} {fmtp}",
        f"a=control:trackID={AUDIO_TRACK}",
    ]


def track_of(url: str) -> int:
    """The track a SETUP names by its last path segment (``trackID=N``); video if none."""
    last = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    name, _, number = last.partition("=")
    return int(number) if name.lower() == "trackid" else VIDEO_TRACK


def packetizer_for(camera: SimulatedCamera, track: int) -> RtpPacketizer:
    if track == AUDIO_TRACK and camera.audio is not None:
        return RtpPacketizer(payload_type=AUDIO_PAYLOAD_TYPE, clock_rate=camera.audio.sample_rate)
    return RtpPacketizer(payload_type=PAYLOAD_TYPE)


def _companion(session: RtspSession, sessions: list[RtspSession]) -> RtspSession | None:
    if session.track != AUDIO_TRACK:
        return None
    for other in sessions:
        same_stream = other.camera is session.camera and other.stream == session.stream
        if other.track == VIDEO_TRACK and same_stream:
            return other
    return None
