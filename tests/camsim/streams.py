"""Reading simulated cameras the way the product does: PyAV over RTSP."""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import av
import av.container

CLOCK_RATE = 90_000


@dataclass(frozen=True)
class SeenPacket:
    arrived: float  # time.monotonic() when the demuxer handed it over
    pts: int
    keyframe: bool
    size: int


@dataclass
class Capture:
    width: int
    height: int
    packets: list[SeenPacket] = field(default_factory=list)

    @property
    def pts_steps(self) -> list[int]:
        return [b.pts - a.pts for a, b in itertools.pairwise(self.packets)]

    @property
    def keyframe_pts(self) -> list[int]:
        return [p.pts for p in self.packets if p.keyframe]

    def kbps(self) -> float:
        """Bitrate over the capture, by media time."""
        seconds = (self.packets[-1].pts - self.packets[0].pts) / CLOCK_RATE
        return sum(p.size for p in self.packets[:-1]) * 8 / seconds / 1000

    def median_step(self) -> float:
        return statistics.median(self.pts_steps)


@contextmanager
def open_rtsp(url: str, transport: str = "tcp") -> Iterator[av.container.InputContainer]:
    with av.open(url, options={"rtsp_transport": transport}, timeout=(10, 5)) as container:
        yield container


def capture(
    url: str,
    *,
    transport: str = "tcp",
    seconds: float = 3.0,
    during: Callable[[float], None] | None = None,
) -> Capture:
    """Packets with a timestamp for `seconds` after the first; `during(elapsed)` is called
    after each one, so a test can inject a fault part-way."""
    with open_rtsp(url, transport) as container:
        stream = container.streams.video[0]
        result = Capture(stream.codec_context.width, stream.codec_context.height)
        start: float | None = None
        for packet in container.demux(stream):
            if packet.size == 0 or packet.pts is None:
                continue
            now = time.monotonic()
            start = now if start is None else start
            result.packets.append(SeenPacket(now, packet.pts, packet.is_keyframe, packet.size))
            if during is not None:
                during(now - start)
            if now - start >= seconds:
                break
    return result
