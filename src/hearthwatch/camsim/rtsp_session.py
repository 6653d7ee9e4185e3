"""One client's SETUP of one camera stream, and the UDP socket pair that may carry it.

A session is fed by its stream's broadcaster once playing. Over TCP, RTP and RTCP go
interleaved on the RTSP connection; a receiver that falls behind loses frames up to the
next keyframe instead of stalling the camera. Over UDP, RTP leaves from one server port
and RTCP from the port after it; anything the client sends to either (receiver
reports, NAT punches) counts as a sign of life, like its RTSP keepalives.

A stream has a video track and, when the camera has sound, an audio track; each track a
client sets up is a session of its own (its own channels or ports, SSRC and sender
reports). An audio track set up with the video track of the same stream starts with it,
at the keyframe the video waits for, so a recording begins with both.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from hearthwatch.camsim.camera import VIDEO_TRACK, AudioBurst, SimulatedCamera
from hearthwatch.camsim.rtp import RtpPacketizer
from hearthwatch.camsim.scene import EncodedFrame
from hearthwatch.camsim.sound import SAMPLES_PER_FRAME
from hearthwatch.protocols.h264 import NAL_SPS, nal_type

MAX_TCP_BACKLOG = 4 * 1024 * 1024
SR_EVERY_S = 5.0
PORT_PAIR_TRIES = 32


class _SignOfLife(asyncio.DatagramProtocol):
    def __init__(self, on_packet: Callable[[], None]) -> None:
        self.on_packet = on_packet

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.on_packet()

    def error_received(self, exc: Exception) -> None:
        pass  # ICMP "port unreachable" from a vanished client: the session timeout handles it


@dataclass(eq=False)
class UdpLink:
    rtp: asyncio.DatagramTransport
    rtcp: asyncio.DatagramTransport
    rtp_target: tuple[str, int]
    rtcp_target: tuple[str, int]

    @property
    def server_ports(self) -> tuple[int, int]:
        return self.rtp.get_extra_info("sockname")[1], self.rtcp.get_extra_info("sockname")[1]

    def close(self) -> None:
        self.rtp.close()
        self.rtcp.close()


async def open_udp_link(
    local_host: str, peer: str, client_ports: tuple[int, int], on_packet: Callable[[], None]
) -> UdpLink:
    """Bind two neighbouring UDP ports on `local_host` and aim them at the client's ports."""
    loop = asyncio.get_running_loop()
    rtp_sock, rtcp_sock = _bind_port_pair(local_host)
    rtp, _ = await loop.create_datagram_endpoint(lambda: _SignOfLife(on_packet), sock=rtp_sock)
    rtcp, _ = await loop.create_datagram_endpoint(lambda: _SignOfLife(on_packet), sock=rtcp_sock)
    return UdpLink(rtp, rtcp, (peer, client_ports[0]), (peer, client_ports[1]))


def _bind_port_pair(host: str) -> tuple[socket.socket, socket.socket]:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(PORT_PAIR_TRIES):
        first = socket.socket(family, socket.SOCK_DGRAM)
        first.bind((host, 0))
        port = first.getsockname()[1]
        second = socket.socket(family, socket.SOCK_DGRAM)
        try:
            second.bind((host, port + 1))
        except (OSError, OverflowError):
            first.close()
            second.close()
            continue
        first.setblocking(False)
        second.setblocking(False)
        return first, second
    raise OSError("no pair of neighbouring UDP ports is free")


@dataclass(eq=False)
class RtspSession:
    """One SETUP'd stream of one client."""

    id: str
    camera: SimulatedCamera
    stream: str
    writer: asyncio.StreamWriter
    url: str = ""
    track: int = VIDEO_TRACK
    channels: tuple[int, int] | None = None  # interleaved RTP and RTCP channels
    udp: UdpLink | None = None
    packetizer: RtpPacketizer = field(default_factory=RtpPacketizer)
    waiting_for_key: bool = True
    companion: RtspSession | None = None  # for an audio track: the video it starts with
    next_report: float = 0.0
    last_seen: float = field(default_factory=time.monotonic)
    closed: bool = False

    def touch(self) -> None:
        self.last_seen = time.monotonic()

    def expired(self, now: float, timeout_s: float) -> bool:
        """A UDP client silent for the timeout is gone; TCP ones are watched by TCP itself."""
        return self.udp is not None and now - self.last_seen > timeout_s

    def deliver(self, frame: EncodedFrame, rtp_ticks: int, wall_time: float) -> None:
        if self.closed or self.writer.is_closing():
            return
        if self._backlogged():
            self.waiting_for_key = True
            return
        if self.waiting_for_key and not frame.keyframe:
            return
        self.waiting_for_key = False
        self._send_rtp(self.packetizer.packetize(self._with_headers(frame), rtp_ticks))
        self._maybe_report(rtp_ticks, wall_time)

    def deliver_audio(self, burst: AudioBurst) -> None:
        if self.closed or self.writer.is_closing() or self._backlogged():
            return
        if self.companion is not None and self.companion.waiting_for_key:
            return
        packets = self.packetizer.packetize_aac(burst.frames, burst.rtp_ticks, SAMPLES_PER_FRAME)
        self._send_rtp(packets)
        self._maybe_report(burst.rtp_ticks, burst.wall_time)

    def _with_headers(self, frame: EncodedFrame) -> list[bytes]:
        nals = list(frame.nals)
        if frame.keyframe and not any(nal_type(n) == NAL_SPS for n in nals):
            source = self.camera.streams[self.stream]
            nals = [source.sps, source.pps, *nals]
        return nals

    def _maybe_report(self, rtp_ticks: int, wall_time: float) -> None:
        # Paced by the host's clock: the camera's own wall clock may jump backwards.
        now = time.monotonic()
        if now >= self.next_report:
            self.next_report = now + SR_EVERY_S
            report = self.packetizer.sender_report(ntp_seconds=wall_time, timestamp=rtp_ticks)
            self._send(report, rtcp=True)

    def _backlogged(self) -> bool:
        transport = self.writer.transport
        return self.channels is not None and transport.get_write_buffer_size() > MAX_TCP_BACKLOG

    def _send_rtp(self, packets: Iterable[bytes]) -> None:
        """Over TCP, one write for all of a frame's packets: a send call each would cost the
        simulator more than the packets themselves."""
        if self.channels is None:
            for packet in packets:
                self._send(packet, rtcp=False)
            return
        prefix = b"$" + bytes([self.channels[0]])
        self.writer.write(b"".join(prefix + len(p).to_bytes(2, "big") + p for p in packets))

    def _send(self, packet: bytes, *, rtcp: bool) -> None:
        if self.channels is not None:
            channel = self.channels[1] if rtcp else self.channels[0]
            self.writer.write(b"$" + bytes([channel]) + len(packet).to_bytes(2, "big") + packet)
        elif self.udp is not None and rtcp:
            self.udp.rtcp.sendto(packet, self.udp.rtcp_target)
        elif self.udp is not None:
            self.udp.rtp.sendto(packet, self.udp.rtp_target)

    def close(self) -> None:
        """Called by the camera on a drop or reboot: the whole connection goes."""
        self.stop()
        self.writer.close()

    def stop(self) -> None:
        self.closed = True
        self.camera.broadcasters[self.stream].unsubscribe(self)
        if self.udp is not None:
            self.udp.close()
