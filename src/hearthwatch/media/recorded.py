"""What was recorded at an instant, or over a range, in the timeline's own terms.

The timeline joins segments less than `GAP_TOLERANCE_US` apart into one recorded span, and
browsers send instants rounded to the millisecond. So the segment that answers for an
instant is the one holding it, else the nearest one within that tolerance: any moment the
timeline shows as recorded (a span's first microsecond, a short stall inside a span) has a
picture.

A clip is cut by packet copy (`playback.clip_mp4`): it opens on the keyframe at or before
the asked start (or the first keyframe after it, when the recording begins later), stops
at the asked end or where the recording stops, and keeps the recording's own gaps.
`delivered_range` says what such a clip holds, so the download can say so too.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import pairwise

from hearthwatch.media.models import Segment
from hearthwatch.media.playback import GAP_TOLERANCE_US

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
# Differences smaller than this are frame rounding, not worth a word.
NOTICEABLE_US = 500_000


def exact_us(moment: datetime) -> int:
    """Microseconds since the epoch, in integers (a float timestamp can be 1 µs short)."""
    return (moment - _EPOCH) // _ONE_US


def from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def segment_at(segments: list[Segment], at_us: int) -> Segment | None:
    """The segment holding `at_us`, else the nearest within the gap tolerance, else None."""
    best: tuple[int, Segment] | None = None
    for segment in segments:
        distance = _distance(segment, at_us)
        if distance <= GAP_TOLERANCE_US and (best is None or distance < best[0]):
            best = (distance, segment)
    return best[1] if best else None


def _distance(segment: Segment, at_us: int) -> int:
    if at_us < segment.start_us:
        return segment.start_us - at_us
    return max(0, at_us - segment.end_us + 1)


class ClipNote(StrEnum):
    """Why a clip differs from the range asked for (stable codes, sent in a header)."""

    STARTS_EARLY_ON_KEYFRAME = "starts_early_on_keyframe"
    STARTS_LATE = "starts_late"
    ENDS_EARLY = "ends_early"
    HAS_GAPS = "has_gaps"


@dataclass(frozen=True)
class DeliveredRange:
    asked_start_us: int
    asked_end_us: int
    start_us: int
    end_us: int
    recorded_us: int  # inside [start, end): the file's span less the gaps
    gaps: tuple[tuple[int, int], ...]

    @property
    def notes(self) -> list[ClipNote]:
        notes = []
        if self.start_us < self.asked_start_us - NOTICEABLE_US // 5:
            notes.append(ClipNote.STARTS_EARLY_ON_KEYFRAME)
        if self.start_us > self.asked_start_us + NOTICEABLE_US:
            notes.append(ClipNote.STARTS_LATE)
        if self.end_us < self.asked_end_us - NOTICEABLE_US:
            notes.append(ClipNote.ENDS_EARLY)
        if self.gaps:
            notes.append(ClipNote.HAS_GAPS)
        return notes

    @property
    def shorter(self) -> bool:
        """Less recorded video than the asked range holds."""
        return self.recorded_us < self.asked_end_us - self.asked_start_us - NOTICEABLE_US


def delivered_range(
    segments: list[Segment], first_data: bytes, *, start_us: int, end_us: int
) -> DeliveredRange:
    """What a clip of [start, end) holds. `segments` overlap the range, oldest first, and
    `first_data` is the plaintext of the first of them that ends after `start_us`."""
    inside = [s for s in segments if s.end_us > start_us and s.start_us < end_us]
    if not inside:
        raise ValueError("no recording in that range")
    first = _keyframe_at_or_before(first_data, start_us) or inside[0].start_us
    last = min(end_us, max(s.end_us for s in inside))
    gaps = tuple(
        (a.end_us, b.start_us)
        for a, b in pairwise(inside)
        if b.start_us - a.end_us > GAP_TOLERANCE_US
    )
    recorded = sum(min(s.end_us, last) - max(s.start_us, first) for s in inside)
    return DeliveredRange(start_us, end_us, first, last, max(0, recorded), gaps)


def _keyframe_at_or_before(mp4: bytes, at_us: int) -> int | None:
    """The presentation time of the last keyframe at or before `at_us` (else the first)."""
    import av

    found: int | None = None
    with av.open(io.BytesIO(mp4), mode="r") as container:
        for packet in container.demux(container.streams.video[0]):
            if not packet.is_keyframe or packet.pts is None or packet.time_base is None:
                continue
            pts_us = int(packet.pts * packet.time_base * 1_000_000)
            if found is not None and pts_us > at_us:
                break
            found = pts_us
    return found
