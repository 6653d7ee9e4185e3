"""Issue 12 item 1: H.264 High profile with B-frames keeps its timing from camera to clip.

Frames come in decode order with presentation times running back and forth; what is stored
must have monotonic decode times, durations of the frames' real length, composition
offsets, and a timeline that stays on the wall clock."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime
from fractions import Fraction

import pytest

from hearthwatch.media import playback
from hearthwatch.media.fmp4 import TIMESCALE, split_init
from hearthwatch.media.segmenter import FinishedSegment, Segmenter, StreamFormat
from tests.media.foreign_media import (
    Recording,
    decode_errors,
    ffprobe,
    packets,
    record,
    streams,
)
from tests.support import foreign_cameras

FPS = foreign_cameras.FPS
FRAME_US = 1_000_000 // FPS
FRAME_TICKS = TIMESCALE // FPS
JITTER_US = 250_000

camera = pytest.mark.skipif(not foreign_cameras.available(), reason="gst-rtsp-server missing")


@pytest.fixture(scope="module")
def recording() -> Iterator[Recording]:
    yield record("h264-bframes-aac", segments=5)


@camera
def test_item1_bframe_segments_have_monotonic_dts_and_real_durations(
    recording: Recording,
) -> None:
    """Each stored segment: decode times strictly rising, presentation times reordered
    (composition offsets written), and labelled as long as its frames at 25 fps."""
    for segment in recording.segments[:-1]:  # the last one was cut short by the stop
        video = packets(segment.data, "v")
        assert len(video) == segment.frames == 2 * FPS
        dts = [int(p["dts"]) for p in video]
        steps = [b - a for a, b in itertools.pairwise(dts)]
        assert all(abs(step - FRAME_TICKS) <= 2 for step in steps), steps  # RTP rounding
        pts = [int(p["pts"]) for p in video]
        assert pts != sorted(pts), "B-frames are shown out of decode order"
        shown = sorted(pts)
        assert all(abs(b - a - FRAME_TICKS) <= 2 for a, b in itertools.pairwise(shown)), shown
        assert abs((segment.end_us - segment.start_us) - segment.frames * FRAME_US) < FRAME_US
        assert decode_errors(segment.data) == ""


@camera
def test_item1_timeline_follows_the_wall_clock(recording: Recording) -> None:
    """Segments follow each other without overlap or drift, and none ends in the future."""
    segments = recording.segments
    for before, after in itertools.pairwise(segments):
        assert 0 <= after.start_us - before.end_us < FRAME_US
    # A segment ends when its last frame does: 40 ms after that frame came, give or take
    # how bunched the frames came over the network; never seconds ahead.
    for segment, delivered in zip(segments, recording.delivered_us, strict=True):
        assert segment.end_us <= delivered + JITTER_US
    assert segments[-1].end_us <= recording.stopped_us + JITTER_US


@camera
def test_item1_clip_of_a_bframe_recording_plays_at_25_fps(recording: Recording) -> None:
    """A clip opens on the keyframe before its start and runs at the camera's 25 fps (it
    ran at ~12 fps when B-frames were timed by their presentation times)."""
    start = recording.segments[1].start_us + 500_000
    clip = playback.clip_mp4(
        [s.data for s in recording.segments], start_us=start, end_us=start + 4_000_000
    )
    video = next(s for s in streams(clip) if s["codec_type"] == "video")
    assert Fraction(video["r_frame_rate"]) == FPS
    assert abs(Fraction(video["avg_frame_rate"]) - FPS) < Fraction(1, 4)
    frames, seconds = int(video["nb_read_frames"]), float(video["duration"])
    assert abs(frames - 4.5 * FPS) <= 1  # from the keyframe half a second early
    assert abs(frames / seconds - FPS) < 0.5
    assert decode_errors(clip) == ""


@camera
def test_item1_a_clip_never_opens_on_a_keyframe_from_before_a_gap(recording: Recording) -> None:
    """A clip asked to start just after a camera came back (before the first keyframe after
    the gap is shown) opens on that keyframe: a keyframe from before the gap cannot open the
    frames after it, and the clip must not stretch across the gap (it did, at ~12 fps)."""
    before, after = recording.segments[0], recording.segments[3]  # 4 s missing between
    start = after.start_us + 10_000  # the keyframe is shown 80 ms after it is decoded
    clip = playback.clip_mp4([before.data, after.data], start_us=start, end_us=after.end_us)
    video = next(s for s in streams(clip) if s["codec_type"] == "video")
    frames, seconds = int(video["nb_read_frames"]), float(video["duration"])
    assert frames == after.frames
    assert abs(frames / seconds - FPS) < 0.5, f"{frames} frames in {seconds} s"
    assert decode_errors(clip) == ""


@camera
def test_item1_snapshots_decode(recording: Recording) -> None:
    assert recording.snapshot is not None and recording.snapshot.startswith(b"\xff\xd8")
    frame = playback.frame_at(recording.segments[2].data, recording.segments[2].start_us)
    assert (frame.width, frame.height) == (640, 360)
    init, _ = split_init(recording.segments[0].data)
    assert playback.decoder_config(init)[0] == "h264"


@camera
def test_item10_a_downloaded_segment_starts_at_zero_with_its_wall_time_kept(
    recording: Recording,
) -> None:
    """Issue 12 item 10: one segment alone reports its own length (not ~1.8e9 s); the
    moment it was recorded stays in the file (prft in NTP time, the movie's creation
    time)."""
    segment = recording.segments[1]
    stored = streams(segment.data)
    assert float(stored[0]["start_time"]) > 1e9  # what Media Source Extensions get
    alone = playback.segment_file(segment.data)
    found = ffprobe(alone, "-show_streams", "-show_format")
    assert float(found["format"]["duration"]) < 3.0
    assert all(float(s["start_time"]) < 0.5 for s in found["streams"])
    assert {s["codec_type"] for s in found["streams"]} == {"video", "audio"}
    created = datetime.fromisoformat(found["format"]["tags"]["creation_time"])
    assert int(created.timestamp()) == segment.start_us // 1_000_000
    at = alone.index(b"prft")
    ntp = int.from_bytes(alone[at + 12 : at + 20], "big")
    assert abs(ntp / 2**32 - 2_208_988_800 - segment.start_us / 1e6) < 0.001
    assert decode_errors(alone) == ""


def _bframe_order(count: int) -> Iterator[tuple[int, int, bool]]:
    """(dts, pts, keyframe) of `count` frames in decode order: I P B B P B B ..."""
    for index in range(count):
        keyframe = index % 50 == 0
        shown = index if keyframe or index % 3 == 1 else index - 1
        if index % 3 == 1 and not keyframe:
            shown = index + 2
        yield index * FRAME_TICKS, (shown + 2) * FRAME_TICKS, keyframe


def _segmenter(done: list[FinishedSegment]) -> Segmenter:
    return Segmenter(2_000_000, done.append)


FORMAT = StreamFormat(bytes.fromhex("6764001eacd940a02ff9"), bytes.fromhex("68ef8fcb"), 640, 360)


def test_item1_ten_minutes_of_bframes_do_not_run_ahead_of_the_wall_clock() -> None:
    """No clamp accumulates: after ten minutes the timeline ends where the wall clock is."""
    done: list[FinishedSegment] = []
    segmenter = _segmenter(done)
    wall0 = 1_800_000_000_000_000
    for dts, pts, keyframe in _bframe_order(10 * 60 * FPS):
        jitter = (dts // FRAME_TICKS) % 7 * 3_000  # arrival times wobble by up to 18 ms
        segmenter.push(
            b"x", keyframe, dts, pts, wall0 + dts * 1_000_000 // TIMESCALE + jitter, FORMAT
        )
    segmenter.flush()
    wall_end = wall0 + 10 * 60 * 1_000_000
    assert abs(done[-1].end_us - wall_end) < 1_000_000
    assert all(b.start_us >= a.end_us for a, b in itertools.pairwise(done))
    assert sum(s.frames for s in done) == 10 * 60 * FPS


def test_item1_a_real_outage_stays_a_gap() -> None:
    """Eight seconds without frames (camera clock and wall clock both move on) is a gap."""
    done: list[FinishedSegment] = []
    segmenter = _segmenter(done)
    wall0 = 1_800_000_000_000_000
    frames = list(_bframe_order(20 * FPS))
    for dts, pts, keyframe in frames[: 10 * FPS]:
        segmenter.push(b"x", keyframe, dts, pts, wall0 + dts * 1_000_000 // TIMESCALE, FORMAT)
    away = 8 * TIMESCALE
    for dts, pts, keyframe in frames[10 * FPS :]:
        wall = wall0 + (dts + away) * 1_000_000 // TIMESCALE
        segmenter.push(b"x", keyframe, dts + away, pts + away, wall, FORMAT)
    segmenter.flush()
    gaps = [b.start_us - a.end_us for a, b in itertools.pairwise(done)]
    assert max(gaps) > 7_900_000 and sorted(gaps)[-2] < FRAME_US
