"""RTP packetisation: H.264 access units (RFC 6184: single NAL units and FU-A) and AAC
frames (RFC 3640, MPEG4-GENERIC in AAC-hbr mode: each packet starts with a 16-bit length of
the AU headers, then one 16-bit header per frame, its 13-bit size and a 3-bit index delta of
zero, then the frames, consecutive and whole)."""

from __future__ import annotations

import secrets
import struct
from collections.abc import Iterator, Sequence

MAX_PAYLOAD = 1400
PAYLOAD_TYPE = 96
AUDIO_PAYLOAD_TYPE = 97
FU_A = 28
AAC_SIZE_LENGTH = 13
AAC_MAX_FRAME = (1 << AAC_SIZE_LENGTH) - 1


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
        payloads = [p for nal in nals for p in self._payloads(nal)]
        for index, payload in enumerate(payloads):
            yield self._packet(payload, timestamp, marker=index == len(payloads) - 1)

    def packetize_aac(
        self, frames: Sequence[bytes], timestamp: int, samples_per_frame: int
    ) -> Iterator[bytes]:
        """RTP packets for consecutive AAC frames, as many whole frames in each as fit."""
        batch: list[bytes] = []
        first = timestamp
        for index, frame in enumerate(frames):
            if len(frame) > AAC_MAX_FRAME:
                raise ValueError(f"an AAC frame of {len(frame)} bytes cannot be sent")
            if batch and _aac_size(batch) + 2 + len(frame) > MAX_PAYLOAD:
                yield self._packet(_aac_payload(batch), first, marker=True)
                batch, first = [], timestamp + index * samples_per_frame
            batch.append(frame)
        if batch:
            yield self._packet(_aac_payload(batch), first, marker=True)

    def _packet(self, payload: bytes, timestamp: int, *, marker: bool) -> bytes:
        rtp_time = (self.timestamp_base + timestamp) & 0xFFFFFFFF
        second = (0x80 if marker else 0) | self.payload_type
        header = struct.pack("!BBHII", 0x80, second, self.sequence, rtp_time, self.ssrc)
        self.sequence = (self.sequence + 1) & 0xFFFF
        self.packets_sent += 1
        self.octets_sent += len(payload)
        return header + payload

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


def _aac_size(frames: list[bytes]) -> int:
    return 2 + 2 * len(frames) + sum(len(f) for f in frames)


def _aac_payload(frames: list[bytes]) -> bytes:
    headers = b"".join((len(f) << 3).to_bytes(2, "big") for f in frames)
    return (16 * len(frames)).to_bytes(2, "big") + headers + b"".join(frames)
