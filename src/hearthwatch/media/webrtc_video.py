"""The camera's H.264 for one WebRTC peer, forwarded without decoding.

Every peer reads frames from the camera's `LiveHub` and starts on its cached keyframe. The
hub holds samples as MP4 stores them (AVCC: length-prefixed NAL units, no parameter sets);
RTP wants Annex B with SPS and PPS in front of each keyframe, which the track rebuilds from
the hub's init segment.

Falling behind. H.264 frames cannot be left out between keyframes (each P-frame refers to
the one before), and a camera may send a keyframe only every ten seconds, so a peer that
is behind never waits for the next keyframe. Instead:

- frames that queued up (the cached GOP at the start, whatever came while the connection
  was made, a stall of the server) are sent at once, their RTP time stamps squeezed to the
  pace they actually leave at (at least 1 ms apart), so the browser decodes them straight
  away and shows the newest picture instead of replaying the backlog at the camera's pace;
- where the backlog holds a keyframe, the frames before it are dropped: the keyframe
  decodes on its own;
- when the hub had to drop frames for this peer (its queue overflowed), and when the
  browser reports a lost picture (RTCP PLI or FIR), the track starts again from the hub's
  cached keyframe and the frames since it, sent at once as above.

Time stamps. RTP carries presentation time; with B-frames the frames come in decode order
and their presentation times step back and forth. The track keeps its own decode clock
(the camera's spacing, squeezed while catching up) and adds each frame's composition
offset, scaled by the same squeeze, so that presentation order survives the catching up.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from fractions import Fraction
from typing import Any

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from hearthwatch.media.fmp4 import TIMESCALE
from hearthwatch.media.live import LiveFrame, LiveHub, LiveViewer
from hearthwatch.media.webrtc_reencode import Reencoder

# Frames waiting for one peer before the hub drops the rest of its GOP; the peer then
# starts again from the cached keyframe. A ten-second GOP at 25 fps, and some.
QUEUE_FRAMES = 300
MIN_STEP = TIMESCALE // 1000  # 1 ms: the closest two frames of a backlog are sent
MAX_STEP = 5 * TIMESCALE  # a longer gap between two frames is a jump in the camera's clock
RESYNC_SECONDS = 1.0  # at most one new start from the cached keyframe per second
TIME_BASE = Fraction(1, TIMESCALE)
START_CODE = b"\x00\x00\x00\x01"


def parameter_sets(init: bytes) -> tuple[bytes, bytes]:
    """SPS and PPS from the avcC record of an init segment."""
    at = init.find(b"avcC")
    if at < 0 or len(init) < at + 12:
        raise ValueError("no avcC record in the init segment")
    record = init[at + 4 :]
    sps_end = 8 + int.from_bytes(record[6:8], "big")
    pps_start = sps_end + 3
    pps_end = pps_start + int.from_bytes(record[sps_end + 1 : pps_start], "big")
    if record[5] & 0x1F != 1 or record[sps_end] != 1 or pps_end > len(record):
        raise ValueError("the avcC record must hold one SPS and one PPS")
    return record[8:sps_end], record[pps_start:pps_end]


def annexb(avcc: bytes, prefix: bytes = b"") -> bytes:
    """An AVCC access unit (4-byte lengths) as Annex B, after `prefix` (already Annex B)."""
    parts, offset = [prefix], 0
    while offset + 4 <= len(avcc):
        size = int.from_bytes(avcc[offset : offset + 4], "big")
        parts += (START_CODE, avcc[offset + 4 : offset + 4 + size])
        offset += 4 + size
    return b"".join(parts)


class RtpClock:
    """RTP time stamps (90 kHz) for frames sent in decode order, some of them in a hurry."""

    def __init__(self) -> None:
        self._last: tuple[int, int, float] | None = None  # camera decode time, sent, wall

    def stamp(self, frame: LiveFrame, hurry: bool, now: float) -> int:
        """The presentation time stamp to send `frame` with; `now` in seconds."""
        sample = frame.sample
        if self._last is None:
            sent, scale = 0, Fraction(1)
        else:
            camera, previous, wall = self._last
            step = frame.decode_time - camera
            if not 0 < step <= MAX_STEP:
                step = sample.duration or MIN_STEP
            squeezed = min(step, max(MIN_STEP, int((now - wall) * TIMESCALE)))
            sent = previous + (squeezed if hurry else step)
            scale = Fraction(squeezed, step) if hurry else Fraction(1)
        self._last = (frame.decode_time, sent, now)
        return sent + int(sample.offset * scale)


class LiveVideoTrack(MediaStreamTrack):
    """The camera's packets for one peer, as `av.Packet`s aiortc sends without re-encoding."""

    kind = "video"

    def __init__(self, hub: LiveHub, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._hub, self._event_loop = hub, loop
        self._viewer: LiveViewer[LiveFrame] | None = None
        self._backlog: deque[LiveFrame | None] = deque()
        self._clock = RtpClock()
        self._ready: deque[av.Packet[Any]] = deque()
        self._reencoder: Reencoder | None = None
        self._init: bytes | None = None
        self._parameters = b""
        self._picture_lost = False
        self._fed = False
        self._started_at = 0.0
        self.restarts = 0  # new starts from the cached keyframe after the first
        self._start()

    def _start(self) -> None:
        """Join (again) at the hub's cached keyframe and the frames since."""
        if self._viewer is not None:
            self._hub.leave(self._viewer)
            self.restarts += 1
        self._viewer, _init, gop = self._hub.join_frames(self._event_loop, QUEUE_FRAMES)
        self._backlog = deque(gop)
        self._fed = bool(gop)  # else the hub holds frames back until the next keyframe
        self._started_at = time.monotonic()

    @property
    def reencoding(self) -> bool:
        """Whether this peer's frames are decoded and encoded again (B-frames)."""
        return self._reencoder is not None

    def picture_lost(self) -> None:
        """The browser cannot show the picture (RTCP PLI or FIR): start from a keyframe."""
        if self._reencoder is not None:
            self._reencoder.want_keyframe()
        else:
            self._picture_lost = True

    async def recv(self) -> av.Packet[Any]:
        while not self._ready:
            if self.readyState != "live" or self._viewer is None:
                raise MediaStreamError
            self._restart_if_needed(self._viewer)
            frame = await self._next()
            if frame is None:
                self.stop()  # the camera went offline: the peer is closed
                raise MediaStreamError
            if frame.sample.offset and self._reencoder is None:
                self._reencoder = Reencoder()  # B-frames: from the cached keyframe, decoded
                self._start()
                continue
            await self._send(frame, hurry=bool(self._backlog))
        return self._ready.popleft()

    async def _send(self, frame: LiveFrame, hurry: bool) -> None:
        sample = frame.sample
        access_unit = annexb(sample.data, self._parameter_sets() if sample.keyframe else b"")
        pts = self._clock.stamp(frame, hurry, time.monotonic())
        if self._reencoder is not None:
            packets = await asyncio.to_thread(self._reencoder.encode, access_unit, pts)
            self._ready.extend(packets)
        else:
            packet = av.Packet(access_unit)
            packet.pts, packet.time_base = pts, TIME_BASE
            self._ready.append(packet)

    def _restart_if_needed(self, viewer: LiveViewer[LiveFrame]) -> None:
        # A fed viewer skips only when its queue overflowed: the hub now drops frames up
        # to the next keyframe, which may be ten seconds away.
        overflowed = self._fed and viewer.skipping
        lost = self._picture_lost and time.monotonic() - self._started_at >= RESYNC_SECONDS
        if overflowed or lost:
            self._picture_lost = False
            self._start()

    async def _next(self) -> LiveFrame | None:
        """The next frame to send: the backlog first, after what has queued since."""
        assert self._viewer is not None
        queue = self._viewer.queue
        while not queue.empty():
            self._backlog.append(queue.get_nowait())
        if not self._backlog:
            frame = await queue.get()
            self._fed = True
            return frame
        self._fed = True
        self._skip_to_newest_keyframe()
        return self._backlog.popleft()

    def _skip_to_newest_keyframe(self) -> None:
        backlog = self._backlog
        for index in range(len(backlog) - 1, 0, -1):
            frame = backlog[index]
            if frame is not None and frame.sample.keyframe:
                for _ in range(index):
                    backlog.popleft()
                return

    def _parameter_sets(self) -> bytes:
        init = self._hub.init
        if init is not None and init is not self._init:
            sps, pps = parameter_sets(init)
            self._init, self._parameters = init, START_CODE + sps + START_CODE + pps
        return self._parameters

    def stop(self) -> None:
        if self._viewer is not None:
            self._hub.leave(self._viewer)
        super().stop()
