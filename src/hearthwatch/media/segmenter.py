"""Cutting a camera's packet stream into keyframe-aligned segments on the recorder's clock.

Frames come in decode order, each with a decode time (DTS) and a presentation time (PTS) on
the camera's clock; with B-frames the two differ and PTS runs back and forth. A sample's
duration is the step to the next frame's *decode* time and its composition offset is
PTS - DTS, so a decoder shows the frames in the right order at the right speed.

Camera timestamps are trusted only for the spacing of frames. Each segment's start time
comes from the recorder's wall clock, through an anchor (camera time → wall time) that is
re-taken whenever the two disagree by more than `MAX_SKEW_US` (a camera clock that drifted,
jumped, or restarted after a reboot). A zero, backward or huge decode-time step is a
discontinuity: that frame gets the nominal duration and the next segment takes a new
anchor. A segment never starts before the previous one ends, but that nudge is not carried
on: the next segment is placed by the anchor again, so the timeline cannot creep ahead of
the wall clock, and time with no frames stays a gap in the index.

Audio (AAC frames, already on the camera's clock) goes into the open segment as a second
track, its decode times on the same wall timeline: continuous from one segment to the next
while the frames follow each other, re-placed by the anchor after a gap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from hearthwatch.media.fmp4 import (
    AUDIO_TRACK,
    TIMESCALE,
    AudioFormat,
    Run,
    Sample,
    fragment_parts,
    init_segment,
)
from hearthwatch.protocols.nal import H264, HEVC

MAX_SKEW_US = 2_000_000
MAX_STEP_TICKS = 5 * TIMESCALE


@dataclass(frozen=True)
class StreamFormat:
    """What a decoder needs before the first frame: codec, parameter sets, size, audio."""

    sps: bytes
    pps: bytes
    width: int
    height: int
    vps: bytes | None = None  # H.265 only
    audio: AudioFormat | None = None

    @property
    def codec(self) -> str:
        return H264 if self.vps is None else HEVC

    @cached_property
    def init(self) -> bytes:
        return init_segment(
            self.sps, self.pps, self.width, self.height, vps=self.vps, audio=self.audio
        )


@dataclass(frozen=True)
class FinishedSegment:
    start_us: int
    end_us: int
    frames: int
    data: bytes  # init segment + one fragment


class _Pending(NamedTuple):
    data: bytes
    keyframe: bool
    dts: int
    pts: int


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
    _audio: list[tuple[bytes, int, int]] = field(default_factory=list)  # data, ticks, length
    _audio_next: int | None = None  # where the stored audio ends (sample-rate ticks)

    def push(
        self,
        data: bytes,
        keyframe: bool,
        dts: int,
        pts: int,
        wall_us: int,
        fmt: StreamFormat | None,
    ) -> None:
        """Add one access unit (length-prefixed NAL units) in decode order, with its decode
        and presentation times in camera ticks. `fmt` is the stream format, known from the
        keyframes.

        Runs for every frame of every camera: kept to a few comparisons and one tuple."""
        if fmt is not self.format and fmt is not None and fmt != self.format:
            self._finish_pending(None)
            self.flush()
            self.format = fmt
        if self.format is None:
            return  # no decoder configuration yet: wait for the first keyframe
        if self._pending is not None:
            self._finish_pending(dts)
        # Half a frame of slack: a camera's decode times need not fall exactly on the grid.
        if keyframe and self._samples and self._ticks_us(self.nominal_ticks >> 1) >= self.target_us:
            self.flush()
        if not self._samples:
            if not keyframe:
                return  # a segment must start on a keyframe
            self._start_us = self._segment_start(dts, wall_us)
        self._pending = _Pending(data, keyframe, dts, pts)

    def push_audio(self, data: bytes, ticks: int, duration: int) -> None:
        """Add one AAC frame (raw, no ADTS) presented at `ticks` on the camera's clock
        (TIMESCALE units); `duration` in sample-rate ticks. Kept for the open segment."""
        if self._anchor is not None and (self._samples or self._pending is not None):
            self._audio.append((data, ticks, duration))  # a plain tuple: per audio frame

    def _finish_pending(self, next_dts: int | None) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        step = None if next_dts is None else next_dts - pending.dts
        if step is not None and 0 < step <= MAX_STEP_TICKS:
            self.nominal_ticks = step
        else:
            step = self.nominal_ticks
            if next_dts is not None:  # discontinuity: keep the frames, re-anchor next segment
                self._anchor = None
        self._samples.append(
            Sample(pending.data, step, pending.keyframe, pending.pts - pending.dts)
        )
        self._ticks += step

    def _segment_start(self, ticks: int, wall_us: int) -> int:
        if self._anchor is None:
            self._anchor = (ticks, wall_us)
        mapped = self._wall_us(ticks)
        if abs(mapped - wall_us) > MAX_SKEW_US:
            self._anchor, mapped = (ticks, wall_us), wall_us
        return max(mapped, self._last_end_us)

    def _wall_us(self, ticks: int) -> int:
        assert self._anchor is not None
        return self._anchor[1] + (ticks - self._anchor[0]) * 1_000_000 // TIMESCALE

    def _duration_us(self) -> int:
        return self._ticks * 1_000_000 // TIMESCALE

    def _ticks_us(self, slack: int) -> int:
        return (self._ticks + slack) * 1_000_000 // TIMESCALE

    def flush(self) -> None:
        """Close the open segment (on disconnect, format change or discontinuity)."""
        self._finish_pending(None)
        if not self._samples or self.format is None:
            self._samples, self._ticks, self._audio = [], 0, []
            return
        samples, self._samples = self._samples, []
        end_us = self._start_us + self._duration_us()
        self._ticks = 0
        decode_time = self._start_us * TIMESCALE // 1_000_000
        audio = self._audio_run()
        parts = fragment_parts(1, decode_time, samples, audio)
        data = b"".join([self.format.init, *parts])
        self._last_end_us = end_us
        self.on_segment(FinishedSegment(self._start_us, end_us, len(samples), data))

    def _audio_run(self) -> Run | None:
        frames, self._audio = self._audio, []
        audio = self.format.audio if self.format is not None else None
        if audio is None or not frames or self._anchor is None:
            return None
        rate = audio.sample_rate
        placed = self._wall_us(frames[0][1]) * rate // 1_000_000
        start = self._audio_next
        if start is None or abs(placed - start) > rate // 2:
            start = placed  # after a gap (or at the start): where the anchor puts it
        samples = [Sample(data, duration, True) for data, _, duration in frames]
        self._audio_next = start + sum(duration for _, _, duration in frames)
        return Run(AUDIO_TRACK, start, samples)

    def reset(self) -> None:
        """After a reconnect: keep the timeline's end, forget the camera's clock."""
        self.flush()
        self._anchor = None
        self._audio_next = None
