"""Reading recordings back: the timeline, segments, snapshots and MP4 clips."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from hearthwatch.media import segment_files
from hearthwatch.media.masks import Polygon, apply_masks
from hearthwatch.media.models import Segment

if TYPE_CHECKING:  # PyAV loads on first use: the API starts faster without it
    import av
    from numpy.typing import NDArray

GAP_TOLERANCE_US = 1_500_000
JPEG_QUALITY = 85


@dataclass(frozen=True)
class Span:
    start_us: int
    end_us: int


def spans(segments: list[Segment]) -> list[Span]:
    """Merge back-to-back segments into recorded stretches; what lies between is a gap."""
    merged: list[Span] = []
    for segment in segments:
        if merged and segment.start_us - merged[-1].end_us <= GAP_TOLERANCE_US:
            merged[-1] = Span(merged[-1].start_us, max(merged[-1].end_us, segment.end_us))
        else:
            merged.append(Span(segment.start_us, segment.end_us))
    return merged


def segment_file(stored: bytes) -> bytes:
    """One stored segment as a file to download: its tracks start at zero (a player shows
    its real length), the wall-clock moment it starts at kept as metadata (`prft`, and the
    movie's creation time). Media Source Extensions get the stored form, absolute times."""
    return segment_files.standalone(stored)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def to_datetime(us: int) -> datetime:
    """Exact to the microsecond (through a float, some instants come back 1 µs off)."""
    return EPOCH + us * MICROSECOND


def to_us(moment: datetime) -> int:
    """Exact to the microsecond: a segment's start read back is that segment's start."""
    return (moment - EPOCH) // MICROSECOND


def frame_at(mp4: bytes, at_us: int | None) -> av.VideoFrame:
    """The decoded frame shown at `at_us` (or the first frame) of an fMP4 segment."""
    import av

    with av.open(io.BytesIO(mp4), mode="r") as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        chosen: av.VideoFrame | None = None
        for frame in container.decode(stream):
            if (
                chosen is not None
                and at_us is not None
                and frame.time is not None
                and (frame.time * 1_000_000 > at_us)
            ):
                break
            chosen = frame
            if at_us is None:
                break
        if chosen is None:
            raise ValueError("the segment holds no decodable frame")
        return chosen


def decode_keyframe(init: bytes, sample: bytes) -> av.VideoFrame:
    """Decode one keyframe (length-prefixed NAL units, as in our fMP4) with the stream's
    decoder configuration (avcC or hvcC) from `init`.

    Straight into a decoder, without opening a container or starting decoder threads: a
    1080p keyframe decodes in a few milliseconds this way, a quarter of the container path.
    """
    import av

    codec, record = decoder_config(init)
    decoder = av.CodecContext.create(codec, "r")
    assert isinstance(decoder, av.VideoCodecContext)
    decoder.extradata = record
    frames = decoder.decode(av.Packet(sample)) or decoder.decode(None)
    if not frames:
        raise ValueError("the keyframe could not be decoded")
    frame: av.VideoFrame = frames[0]
    return frame


def decoder_config(init: bytes) -> tuple[str, bytes]:
    """(FFmpeg decoder name, decoder configuration record) of an init segment's video."""
    for kind, codec in ((b"avcC", "h264"), (b"hvcC", "hevc")):
        at = init.find(kind)
        if at >= 4:
            size = int.from_bytes(init[at - 4 : at], "big")
            return codec, init[at + 4 : at - 4 + size]
    raise ValueError("the init segment has no avcC or hvcC box")


def jpeg(
    frame: av.VideoFrame, *, max_width: int | None = None, masks: Sequence[Polygon] = ()
) -> bytes:
    """A JPEG of a decoded frame (optionally scaled down, keeping the aspect ratio), with the
    camera's privacy masks blacked out."""
    if max_width is not None and frame.width > max_width:
        frame = frame.reformat(width=max_width, height=frame.height * max_width // frame.width)
    return encode_jpeg(frame.to_ndarray(format="bgr24"), masks=masks)


def encode_jpeg(picture: NDArray[Any], *, masks: Sequence[Polygon] = ()) -> bytes:
    """A JPEG of a picture (rows x columns x BGR), privacy masks blacked out first."""
    import cv2  # loaded on first snapshot: OpenCV is slow to import

    ok, encoded = cv2.imencode(
        ".jpg", apply_masks(picture, masks), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    )
    if not ok:
        raise ValueError("JPEG encoding failed")
    return bytes(encoded.tobytes())


def clip_mp4(parts: list[bytes], *, start_us: int, end_us: int) -> bytes:
    """One standard MP4 (moov first) of the recorded frames in [start, end), by packet copy,
    with the camera's sound when it was recorded.

    Without re-encoding a clip must open on a keyframe, so it starts at the keyframe at or
    before `start` (at most one GOP early).
    """
    import av

    # The muxer moves the moov box to the front in a second pass over a real file.
    with tempfile.TemporaryDirectory(prefix="hw-clip-") as folder:
        path = os.path.join(folder, "clip.mp4")
        with av.open(path, "w", format="mp4", options={"movflags": "+faststart"}) as output:
            writer = _ClipWriter(output, start_us, end_us)
            # A segment's sound is added once the clip's zero is known: that is the keyframe
            # it opens on, which may lie in an earlier segment than the first frame shown.
            unheard: list[bytes] = []
            for part in parts:
                with av.open(io.BytesIO(part), mode="r") as source:
                    writer.add_segment(source)
                if part is parts[-1]:
                    writer.finish()  # the start lies after the last keyframe
                unheard.append(part)
                if writer.base_us is not None:
                    for heard in unheard:
                        with av.open(io.BytesIO(heard), mode="r") as source:
                            writer.add_audio(source)
                    unheard.clear()
            if writer.target is None or writer.base_us is None:
                raise ValueError("no recording in that range")
        with open(path, "rb") as handle:
            return handle.read()


class _ClipWriter:
    """Video first, segment by segment: the first keyframe sets the clip's zero (its decode
    time, so B-frames keep their decode order from zero); the audio of each segment follows,
    from that same zero, and the muxer interleaves the two."""

    def __init__(self, output: av.container.OutputContainer, start_us: int, end_us: int) -> None:
        self.output, self.start_us, self.end_us = output, start_us, end_us
        self.target: av.video.stream.VideoStream | None = None
        self.audio_target: av.audio.stream.AudioStream | None = None
        self.base: int | None = None
        self.base_us: int | None = None
        self.lead_in: list[av.Packet[Any]] = []  # from the last keyframe before the start
        self.last_us: int | None = None  # decode time of the last frame looked at

    def add_segment(self, source: av.container.InputContainer) -> None:
        """The segment's video frames (in decode order) that belong in the clip: from the
        last keyframe shown at or before the start, up to the first frame decoded at or
        after the end (every frame shown before the end is decoded before it)."""
        stream = source.streams.video[0]
        if self.target is None:
            self.target = self.output.add_stream_from_template(stream)
            if stream.codec_context.name == "hevc":
                self.target.codec_tag = "hvc1"  # parameter sets in the sample entry only
            if source.streams.audio:
                self.audio_target = self.output.add_stream_from_template(source.streams.audio[0])
        for packet in source.demux(stream):
            if packet.pts is None or packet.dts is None or packet.time_base is None:
                continue
            decoded_us = int(packet.dts * packet.time_base * 1_000_000)
            if decoded_us >= self.end_us:
                self.finish()
                return
            gap = self.last_us is not None and decoded_us - self.last_us > GAP_TOLERANCE_US
            self.last_us = decoded_us
            if self.base is None and gap:
                # A keyframe recorded before a gap (a camera reboot) cannot open frames that
                # come after it: the clip opens on the first keyframe after the gap instead.
                self.lead_in = []
            if self.base is None:
                shown_us = int(packet.pts * packet.time_base * 1_000_000)
                if packet.is_keyframe and shown_us <= self.start_us:
                    self.lead_in = [packet]  # a later keyframe may still open nearer the start
                    continue
                if not packet.is_keyframe and shown_us < self.start_us:
                    self.lead_in += [packet] if self.lead_in else []
                    continue
                if not packet.is_keyframe and not self.lead_in:
                    continue  # no keyframe yet to open the clip on
                self.finish()  # the clip opens with the lead-in's keyframe (or this one)
            self._write(packet)

    def finish(self) -> None:
        """Write the frames kept from the last keyframe before the start, if not yet done."""
        lead_in, self.lead_in = self.lead_in, []
        for early in lead_in:
            self._write(early)

    def _write(self, packet: av.Packet[Any]) -> None:
        if self.base is None:
            if not packet.is_keyframe or packet.dts is None or packet.time_base is None:
                return
            self.base = packet.dts
            self.base_us = int(packet.dts * packet.time_base * 1_000_000)
        assert packet.pts is not None and packet.dts is not None and self.target is not None
        packet.pts, packet.dts = packet.pts - self.base, packet.dts - self.base
        packet.stream = self.target
        self.output.mux(packet)

    def add_audio(self, source: av.container.InputContainer) -> None:
        """The segment's audio frames from the clip's zero up to its end."""
        if self.audio_target is None or not source.streams.audio or self.base_us is None:
            return
        stream = source.streams.audio[0]
        for packet in source.demux(stream):
            if packet.pts is None or packet.time_base is None or not packet.size:
                continue
            at_us = int(packet.pts * packet.time_base * 1_000_000)
            if at_us < self.base_us or at_us >= self.end_us:
                continue
            shift = int(self.base_us * packet.time_base.denominator) // (
                1_000_000 * packet.time_base.numerator
            )
            packet.pts = packet.dts = packet.pts - shift
            packet.stream = self.audio_target
            self.output.mux(packet)
