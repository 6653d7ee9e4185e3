"""RTP packetisation of H.264 access units (RFC 6184: single NAL units and FU-A)."""

from __future__ import annotations

import secrets
import struct
from collections.abc import Iterator

MAX_PAYLOAD = 1400
PAYLOAD_TYPE = 96
FU_A = 28


class RtpPacketizer:
    """Turns access units into RTP packets for one receiver (own SSRC, sequence, time base)."""

    def __init__(self, *, payload_type: int = PAYLOAD_TYPE, clock_rate: int = 90_000) -> None:
        self.payload_type = payload_type
        self.clock_rate = clock_rate
        self.ssrc = secrets.randbits(32)
        self.sequence = secrets.randbits(16)
        self.timestamp_base = secrets.randbits(32)
        self.packets_sent = 0
        self.octets_sent = 0

    def packetize(self, nals: list[bytes], timestamp: int) -> Iterator[bytes]:
        """RTP packets for one access unit; the marker bit is set on its last packet."""
        rtp_time = (self.timestamp_base + timestamp) & 0xFFFFFFFF
        payloads = [p for nal in nals for p in self._payloads(nal)]
        for index, payload in enumerate(payloads):
            marker = 0x80 if index == len(payloads) - 1 else 0
            header = struct.pack(
                "!BBHII", 0x80, marker | self.payload_type, self.sequence, rtp_time, self.ssrc
            )
            self.sequence = (self.sequence + 1) & 0xFFFF
            self.packets_sent += 1
            self.octets_sent += len(payload)
            yield header + payload

    @staticmethod
    def _payloads(nal: bytes) -> Iterator[bytes]:
        if len(nal) <= MAX_PAYLOAD:
            yield nal
            return
        indicator = (nal[0] & 0xE0) | FU_A
        kind = nal[0] & 0x1F
        body = nal[1:]
        chunks = [body[i : i + MAX_PAYLOAD - 2] for i in range(0, len(body), MAX_PAYLOAD - 2)]
        for index, chunk in enumerate(chunks):
            start = 0x80 if index == 0 else 0
            end = 0x40 if index == len(chunks) - 1 else 0
            yield bytes([indicator, start | end | kind]) + chunk

    def sender_report(self, *, ntp_seconds: float, timestamp: int) -> bytes:
        """An RTCP sender report tying RTP time to wall-clock time."""
        ntp = int((ntp_seconds + 2_208_988_800) * (1 << 32))
        rtp_time = (self.timestamp_base + timestamp) & 0xFFFFFFFF
        return struct.pack(
            "!BBHIIIIII",
            0x80,
            200,
            6,
            self.ssrc,
            ntp >> 32,
            ntp & 0xFFFFFFFF,
            rtp_time,
            self.packets_sent & 0xFFFFFFFF,
            self.octets_sent & 0xFFFFFFFF,
        )
