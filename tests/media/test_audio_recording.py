"""Issue 12 item 3: a camera's sound is kept. AAC is stored by copy as a second track of
every segment and clip, on the same wall timeline as the video; G.711 is transcoded to AAC
at ingest; live viewers get it (Media Source Extensions: a two-track init segment and
audio fragments between the video ones; WebRTC: `LiveHub.join_audio`)."""

from __future__ import annotations

import asyncio
import itertools
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from hearthwatch.media import playback
from hearthwatch.media.fmp4 import AUDIO_TRACK, TIMESCALE, VIDEO_TRACK, top_level_boxes
from hearthwatch.media.ingest import CameraIngest
from hearthwatch.media.live import LiveAudio
from hearthwatch.privacy.export.media import (
    first_decode_time,
    shift_decode_times,
    split_segment,
    timescales_of,
)
from tests.media.conftest import wait_for
from tests.media.foreign_media import Recording, decode_errors, packets, record, streams
from tests.support import foreign_cameras

camera = pytest.mark.skipif(not foreign_cameras.available(), reason="gst-rtsp-server missing")


@dataclass
class Watched:
    """What a live MSE viewer and an audio listener got for a few seconds."""

    init: bytes = b""
    fragments: list[bytes] = field(default_factory=list)
    audio: list[LiveAudio] = field(default_factory=list)
    video_times: list[int] = field(default_factory=list)


def watch_live(watched: Watched) -> object:
    def watch(ingest: CameraIngest) -> None:
        hub = ingest.hub
        wait_for(lambda: hub.gop)  # a keyframe to start from (the first may come 2 s in)
        loop = asyncio.new_event_loop()
        viewer, init, _gop = hub.join(loop)
        listener = hub.join_audio(loop)
        watched.init = init or b""

        async def collect() -> None:
            while len(watched.audio) < 50:
                item = await listener.queue.get()
                assert item is not None
                watched.audio.append(item)
            while not viewer.queue.empty():
                fragment = viewer.queue.get_nowait()
                assert fragment is not None
                watched.fragments.append(fragment)
            watched.video_times = [frame.decode_time for frame in hub.gop]

        try:
            loop.run_until_complete(asyncio.wait_for(collect(), 15))
        finally:
            hub.leave(viewer)
            hub.leave(listener)
            loop.close()

    return watch


@pytest.fixture(scope="module")
def aac() -> Iterator[tuple[Recording, Watched]]:
    watched = Watched()
    yield record("h264-bframes-aac", segments=4, watch=watch_live(watched)), watched  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def pcmu() -> Iterator[Recording]:
    yield record("h264-pcmu", segments=3)


def _audio(data: bytes) -> dict[str, object]:
    return next(s for s in streams(data) if s["codec_type"] == "audio")


@camera
def test_item3_aac_is_stored_by_copy_on_the_video_timeline(
    aac: tuple[Recording, Watched],
) -> None:
    recording, _ = aac
    ends: list[tuple[int, int]] = []
    for segment in recording.segments[:-1]:
        audio = _audio(segment.data)
        assert (audio["codec_name"], audio["sample_rate"], audio["channels"]) == ("aac", "48000", 1)
        sound = packets(segment.data, "a")
        times = [int(p["pts"]) for p in sound]
        assert all(b - a == 1024 for a, b in itertools.pairwise(times))  # one AAC frame each
        start_s, video_s = int(sound[0]["pts"]) / 48_000, segment.start_us / 1e6
        assert abs(start_s - video_s) < 0.5  # the same wall timeline, not the camera's
        ends.append((int(sound[0]["pts"]), int(sound[-1]["pts"]) + 1024))
        assert decode_errors(segment.data) == ""
    for before, after in itertools.pairwise(ends):
        assert after[0] == before[1]  # no click between segments


@camera
def test_item3_g711_is_transcoded_to_aac(pcmu: Recording) -> None:
    for segment in pcmu.segments[:-1]:
        audio = _audio(segment.data)
        assert (audio["codec_name"], audio["sample_rate"]) == ("aac", "8000")
        seconds = len(packets(segment.data, "a")) * 1024 / 8000
        assert abs(seconds - 2.0) < 0.4
        assert decode_errors(segment.data) == ""


@camera
def test_item3_a_clip_keeps_the_sound(aac: tuple[Recording, Watched]) -> None:
    recording, _ = aac
    start = recording.segments[0].start_us
    clip = playback.clip_mp4(
        [s.data for s in recording.segments], start_us=start, end_us=start + 4_000_000
    )
    found = streams(clip)
    video = next(s for s in found if s["codec_type"] == "video")
    audio = next(s for s in found if s["codec_type"] == "audio")
    assert audio["codec_name"] == "aac"
    assert abs(float(audio["duration"]) - float(video["duration"])) < 0.3
    assert float(audio["duration"]) > 3.5
    assert decode_errors(clip) == ""


@camera
def test_item3_pcmu_clip_keeps_the_sound(pcmu: Recording) -> None:
    start = pcmu.segments[0].start_us
    clip = playback.clip_mp4(
        [s.data for s in pcmu.segments], start_us=start, end_us=start + 4_000_000
    )
    audio = _audio(clip)
    assert audio["codec_name"] == "aac" and float(str(audio["duration"])) > 3.5


def _tracks_of(fragment: bytes) -> list[int]:
    """The track id of each traf in a fragment's moof."""
    found = []
    moof_start, moof_end = next((s, e) for k, s, e in top_level_boxes(fragment) if k == b"moof")
    at = moof_start + 8
    while at < moof_end:
        size, kind = struct.unpack_from("!I4s", fragment, at)
        if kind == b"traf":
            found.append(struct.unpack_from("!I", fragment, at + 8 + 12)[0])
        at += size
    return found


@camera
def test_item3_live_mse_gets_two_tracks_and_audio_fragments(
    aac: tuple[Recording, Watched],
) -> None:
    _, watched = aac
    assert watched.init.count(b"trak") == 2 and b"mp4a" in watched.init and b"esds" in watched.init
    kinds = [_tracks_of(f) for f in watched.fragments]
    assert [AUDIO_TRACK] in kinds and [VIDEO_TRACK] in kinds


@camera
def test_item3_live_audio_frames_for_webrtc(aac: tuple[Recording, Watched]) -> None:
    """join_audio: raw AAC frames (no ADTS), 1024 samples, timed on the video's timeline."""
    _, watched = aac
    assert all(frame.duration == 1024 and frame.data[:2] != b"\xff\xf1" for frame in watched.audio)
    steps = [b.time - a.time for a, b in itertools.pairwise(watched.audio)]
    assert all(step == 1024 * TIMESCALE // 48_000 for step in steps)  # back to back
    # the audio is presented within half a second of the newest video frames
    assert watched.video_times
    assert abs(watched.audio[-1].time - watched.video_times[-1]) < TIMESCALE


@camera
def test_item3_export_joins_segments_with_their_sound(aac: tuple[Recording, Watched]) -> None:
    """An export's joined file (init once, every segment's fragments moved to start at zero)
    keeps the audio track in step with the video, and an import moves it back byte for byte
    (audio ticks are 48 kHz, not the video's 90 kHz)."""
    recording, _ = aac
    init, _media = split_segment(recording.segments[0].data)
    scales = timescales_of(init)
    assert scales == {VIDEO_TRACK: TIMESCALE, AUDIO_TRACK: 48_000}
    base = first_decode_time(_media)
    moved = [
        shift_decode_times(split_segment(s.data)[1], -base, scales) for s in recording.segments
    ]
    joined = init + b"".join(moved)
    found = streams(joined)
    assert {s["codec_type"] for s in found} == {"video", "audio"}
    assert all(float(s["start_time"]) < 0.5 for s in found)
    audio = next(s for s in found if s["codec_type"] == "audio")
    video = next(s for s in found if s["codec_type"] == "video")
    assert abs(float(audio["duration"]) - float(video["duration"])) < 0.5
    assert decode_errors(joined) == ""
    for segment, media in zip(recording.segments, moved, strict=True):
        assert init + shift_decode_times(media, base, scales) == segment.data
