"""Reading simulated cameras the way the product does: PyAV over RTSP (and watching them
for motion, as a detector would)."""

from __future__ import annotations

import itertools
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import av
import av.container
import numpy as np
from numpy.typing import NDArray

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


@dataclass(frozen=True)
class SeenFrame:
    arrived: float  # time.time() when the decoder handed it over (wall clock, as onsets are)
    luma: NDArray[np.int16]  # its luma plane, 160x90


class Watcher:
    """Decodes a stream in a thread of its own, keeping each frame's luma and arrival time,
    as a motion detector would see them; `steady` waits until frames come in real time
    (past the burst that opening the stream delivers at once)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.frames: list[SeenFrame] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="watch", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        options = {"rtsp_transport": "tcp", "fflags": "nobuffer", "analyzeduration": "0"}
        with av.open(self.url, options=options, timeout=(10, 5)) as container:
            for frame in container.decode(video=0):
                small = frame.reformat(width=160, height=90, format="gray")
                self.frames.append(SeenFrame(time.time(), small.to_ndarray().astype(np.int16)))
                if self._stop.is_set():
                    return

    def steady(self, fps: float, timeout_s: float = 15.0) -> None:
        """Wait until the last few frames arrived about one frame interval apart."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            gaps = [b.arrived - a.arrived for a, b in itertools.pairwise(self.frames[-4:])]
            if len(gaps) == 3 and min(gaps) > 0.5 / fps:
                return
            time.sleep(0.05)
        raise AssertionError(f"{self.url}: frames did not come in real time")

    def since(self, moment: float) -> list[SeenFrame]:
        return [f for f in list(self.frames) if f.arrived >= moment]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def changed(frame: NDArray[np.int16], reference: NDArray[np.int16], level: int = 25) -> float:
    """The share of pixels that differ from `reference` by more than `level` (0 to 1): what
    a frame-difference motion detector thresholds."""
    return float((np.abs(frame - reference) > level).mean())
