"""Cutting a camera's packet stream into keyframe-aligned segments on the recorder's clock.

Camera timestamps are trusted only for the spacing of frames. Each segment's start time
comes from the recorder's wall clock, through an anchor (camera time → wall time) that is
re-taken whenever the two disagree by more than `MAX_SKEW_US` (a camera clock that drifted,
jumped, or restarted after a reboot). A negative, zero or huge step between frames is a
discontinuity: that frame gets the nominal duration and the next segment takes a new
anchor. Segments never
overlap and never run backwards; time with no frames is simply a gap in the index.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from hearthwatch.media.fmp4 import TIMESCALE, Sample, fragment_parts, init_segment

MAX_SKEW_US = 2_000_000
MAX_STEP_TICKS = 5 * TIMESCALE


@dataclass(frozen=True)
class StreamFormat:
    sps: bytes
    pps: bytes
    width: int
    height: int

    @cached_property
    def init(self) -> bytes:
        return init_segment(self.sps, self.pps, self.width, self.height)


@dataclass(frozen=True)
class FinishedSegment:
    start_us: int
    end_us: int
    frames: int
    data: bytes  # init segment + one fragment


class _Pending(NamedTuple):
    data: bytes
    keyframe: bool
    ticks: int


@dataclass
class Segmenter:
    target_us: int
    on_segment: Callable[[FinishedSegment], None]
    nominal_ticks: int = TIMESCALE // 25
    format: StreamFormat | None = None
    _anchor: tuple[int, int] | None = None  # (camera ticks, wall µs)
    _pending: _Pending | None = None
    _samples: list[Sample] = field(default_factory=list)
    _ticks: int = 0  # the duration of `_samples`, kept as they come
    _start_us: int = 0
    _last_end_us: int = 0

    def push(
        self, data: bytes, keyframe: bool, ticks: int, wall_us: int, fmt: StreamFormat | None
    ) -> None:
        """Add one access unit (AVCC). `fmt` is the stream format, known from the keyframes.

        Runs for every frame of every camera: kept to a few comparisons and one tuple."""
        if fmt is not self.format and fmt is not None and fmt != self.format:
            self._finish_pending(None)
            self.flush()
            self.format = fmt
        if self.format is None:
            return  # no decoder configuration yet: wait for the first keyframe
        if self._pending is not None:
            self._finish_pending(ticks)
        if keyframe and self._samples and self._duration_us() >= self.target_us:
            self.flush()
        if not self._samples:
            if not keyframe:
                return  # a segment must start on a keyframe
            self._start_us = self._segment_start(ticks, wall_us)
        self._pending = _Pending(data, keyframe, ticks)

    def _finish_pending(self, next_ticks: int | None) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        step = None if next_ticks is None else next_ticks - pending.ticks
        if step is not None and 0 < step <= MAX_STEP_TICKS:
            self.nominal_ticks = step
        else:
            step = self.nominal_ticks
            if next_ticks is not None:  # discontinuity: keep the frames, re-anchor next segment
                self._anchor = None
        self._samples.append(Sample(pending.data, step, pending.keyframe))
        self._ticks += step

    def _segment_start(self, ticks: int, wall_us: int) -> int:
        if self._anchor is None:
            self._anchor = (ticks, wall_us)
        mapped = self._anchor[1] + (ticks - self._anchor[0]) * 1_000_000 // TIMESCALE
        if abs(mapped - wall_us) > MAX_SKEW_US:
            self._anchor, mapped = (ticks, wall_us), wall_us
        return max(mapped, self._last_end_us)

    def _duration_us(self) -> int:
        return self._ticks * 1_000_000 // TIMESCALE

    def flush(self) -> None:
        """Close the open segment (on disconnect, format change or discontinuity)."""
        self._finish_pending(None)
        if not self._samples or self.format is None:
            self._samples, self._ticks = [], 0
            return
        samples, self._samples = self._samples, []
        end_us = self._start_us + self._duration_us()
        self._ticks = 0
        decode_time = self._start_us * TIMESCALE // 1_000_000
        data = b"".join([self.format.init, *fragment_parts(1, decode_time, samples)])
        self._last_end_us = end_us
        self.on_segment(FinishedSegment(self._start_us, end_us, len(samples), data))

    def reset(self) -> None:
        """After a reconnect: keep the timeline's end, forget the camera's clock."""
        self.flush()
        self._anchor = None
