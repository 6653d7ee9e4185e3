"""Issue 12 item 4: H.265 cameras are recorded by copy like H.264 (hvc1 in fMP4), and
snapshots and clips decode them.

The camera is GStreamer's RTSP server serving H.265 made by Debian's ffmpeg (libx265)."""

from __future__ import annotations

from collections.abc import Iterator

import av
import pytest

from hearthwatch.media import playback
from hearthwatch.media.fmp4 import split_init
from hearthwatch.protocols import nal
from tests.media.foreign_media import Recording, decode_errors, record, streams
from tests.support import foreign_cameras

camera = pytest.mark.skipif(not foreign_cameras.available(), reason="gst-rtsp-server missing")
FPS = foreign_cameras.FPS


@pytest.fixture(scope="module")
def recording() -> Iterator[Recording]:
    yield record("h265-aac", segments=3)


@camera
def test_item4_h265_camera_is_recorded_as_hvc1(recording: Recording) -> None:
    assert recording.codec == "hevc"
    for segment in recording.segments[:-1]:
        video = next(s for s in streams(segment.data) if s["codec_type"] == "video")
        assert (video["codec_name"], video["codec_tag_string"]) == ("hevc", "hvc1")
        assert (video["width"], video["height"]) == (640, 360)
        assert int(video["nb_read_frames"]) == segment.frames == 2 * FPS
        assert decode_errors(segment.data) == ""
    init, _ = split_init(recording.segments[0].data)
    assert b"hvcC" in init and b"avcC" not in init


@camera
def test_item4_h265_snapshots_decode(recording: Recording) -> None:
    """The live snapshot (a keyframe through the hvcC record) and a recorded moment."""
    assert recording.snapshot is not None and recording.snapshot.startswith(b"\xff\xd8")
    assert recording.live_init is not None
    assert playback.decoder_config(recording.live_init)[0] == "hevc"
    segment = recording.segments[1]
    frame = playback.frame_at(segment.data, segment.start_us + 1_000_000)
    assert (frame.width, frame.height) == (640, 360)


@camera
def test_item4_h265_clip_plays(recording: Recording) -> None:
    start = recording.segments[0].start_us
    clip = playback.clip_mp4(
        [s.data for s in recording.segments], start_us=start, end_us=start + 3_000_000
    )
    video = next(s for s in streams(clip) if s["codec_type"] == "video")
    assert (video["codec_name"], video["codec_tag_string"]) == ("hevc", "hvc1")  # as Safari asks
    assert abs(int(video["nb_read_frames"]) - 3 * FPS) <= 1
    assert decode_errors(clip) == ""


@camera
def test_item4_hvcc_record_matches_ffmpeg() -> None:
    """Our hvcC from the VPS, SPS and PPS says what FFmpeg's own muxer (in the camera's
    source file) says: profile, tier, level, compatibility, constraints, chroma, depths."""
    with av.open(str(foreign_cameras.media_file("h265-aac"))) as source:
        reference = bytes(source.streams.video[0].codec_context.extradata or b"")
    sets: dict[int, bytes] = {}
    at = 23
    for _ in range(reference[22]):
        kind, count = reference[at] & 0x3F, int.from_bytes(reference[at + 1 : at + 3], "big")
        at += 3
        for _ in range(count):
            size = int.from_bytes(reference[at : at + 2], "big")
            sets.setdefault(kind, reference[at + 2 : at + 2 + size])
            at += 2 + size
    ours = nal.hvcc_record(sets[32], sets[33], sets[34])
    assert ours[:22] == reference[:22]  # everything before the arrays
    assert nal.hevc_codec_string(sets[33]).startswith("hvc1.1.6.L")


def test_item4_h265_access_unit_strips_parameter_sets() -> None:
    """2-byte NAL headers: VPS/SPS/PPS (32-34) and the delimiter (35) leave the sample."""
    vps, sps, pps = b"\x40\x01\xaa", b"\x42\x01\xbb", b"\x44\x01\xcc"
    aud, idr = b"\x46\x01\x50", b"\x26\x01\xaf\x00\x01"
    annexb = b"".join(b"\x00\x00\x00\x01" + n for n in (aud, vps, sps, pps, idr))
    sample, *found = nal.h265_access_unit(annexb)
    assert found == [vps, sps, pps]
    assert sample == len(idr).to_bytes(4, "big") + idr
    assert nal.parameter_sets(nal.HEVC, annexb) == (vps, sps, pps)
