"""One camera's ingest: packets in from a `CameraSource` (media/source.py: RTSP through PyAV,
packet copy, no decoding), segments and live out.

Video is H.264 or H.265 (protocols/nal.py turns its access units into MP4 samples), each frame
with its decode and presentation time (B-frames come in decode order). Sound is AAC, copied,
or G.711 transcoded to AAC (media/audio.py); other audio is left out, the video recorded.

Runs in its own thread. Connection failures, stalls (read time-outs) and camera reboots
end the current segment cleanly and reconnect with exponential back-off; the time the
camera was away is a gap in the recording, never a corrupt file.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import av

from hearthwatch.errors import HearthwatchError
from hearthwatch.media import status as status_codes
from hearthwatch.media.audio import AAC_FRAME, AudioInput, open_audio
from hearthwatch.media.connection import ConnectionPolicy, network_problem
from hearthwatch.media.fmp4 import TIMESCALE, AudioFormat, Sample
from hearthwatch.media.live import LiveAudio, LiveFrame, LiveHub
from hearthwatch.media.segmenter import FinishedSegment, Segmenter, StreamFormat
from hearthwatch.media.source import CameraSource, SourceOpener, TargetCheck, open_rtsp_source
from hearthwatch.media.status import IngestStatus
from hearthwatch.protocols.nal import (
    CODECS,
    H264,
    h264_access_unit,
    h265_access_unit,
    parameter_sets,
)
from hearthwatch.protocols.rtsp_url import RtspUrlInvalid, without_credentials
from hearthwatch.security.outbound import AddressForbidden, OutboundPolicy

log = logging.getLogger("hearthwatch.recorder")

# Frames held for one run while nobody watches: a GOP of 10 s at 25 fps. A camera that
# sends keyframes further apart (or never again) is cut into samples at this many.
MAX_HELD_FRAMES = 250


# (packet, its video stream, when it arrived in seconds since the epoch)
PacketTap = Callable[["av.Packet[Any]", "av.video.stream.VideoStream", float], None]


class UnsupportedCodec(Exception):
    """The camera streams a codec the recorder does not store."""


class StreamEnded(Exception):
    """The camera closed the stream."""


def problem_of(err: BaseException) -> str:
    """The stable problem code shown for a failed session (the raw error is only logged)."""
    if isinstance(err, AddressForbidden | RtspUrlInvalid):
        return status_codes.ADDRESS_FORBIDDEN
    if isinstance(err, HearthwatchError) and err.code in status_codes.PROBLEM_MESSAGES:
        return err.code  # refusals made before connecting: taken, redirected
    if (known := network_problem(err)) is not None:
        return known  # refused, timed out, no route, 401, 404, transport refused
    if isinstance(err, av.error.HTTPUnauthorizedError | av.error.HTTPForbiddenError):
        return status_codes.AUTH_FAILED
    if isinstance(err, UnsupportedCodec):
        return status_codes.UNSUPPORTED_CODEC
    if isinstance(err, StreamEnded | StopIteration):
        return status_codes.STREAM_ENDED
    if isinstance(err, av.error.InvalidDataError | av.error.HTTPClientError | IndexError):
        return status_codes.NOT_A_STREAM
    return status_codes.UNREACHABLE


def time_untimed(
    untimed: av.Packet[Any], after: av.Packet[Any], stream: av.video.stream.VideoStream
) -> bool:
    """Give a session's untimed first keyframe the time one frame before the frame after it;
    False where that cannot be told: a stream with B-frames, whose decode times FFmpeg only
    guesses later (the keyframe is dropped there, as before)."""
    if stream.codec_context.has_b_frames or after.pts is None:
        return False
    if after.dts is not None and after.dts != after.pts:
        return False
    base, rate = stream.time_base, stream.average_rate or stream.guessed_rate
    frame = round(1 / (rate * base)) if base and rate else round(0.04 / base) if base else 0
    untimed.pts = untimed.dts = after.pts - max(frame, 1)
    return True


@dataclass
class CameraIngest:
    camera_id: str
    url: str
    record: bool
    on_segment: Callable[[FinishedSegment], None]
    policy: Callable[[], OutboundPolicy]  # read at each connection: settings can change
    vet: TargetCheck | None = None  # asked about the resolved address before connecting
    segment_seconds: float = 4.0
    hub: LiveHub = field(default_factory=LiveHub)
    status: IngestStatus = field(default_factory=IngestStatus)
    connection: ConnectionPolicy = field(default_factory=ConnectionPolicy)  # transport, retries
    open_source: SourceOpener = open_rtsp_source  # how a session with the camera is opened
    # Handed every video packet as it arrives (motion detection, events/detector.py): it
    # must return at once, so it only queues what it wants; set and unset by the recorder.
    tap: PacketTap | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _format: StreamFormat | None = None
    _live_base: int | None = None
    _live_last: int | None = None
    _time_base: tuple[int, int] = (0, 1)
    _codec: str = H264
    _last_dts: int | None = None
    _audio: AudioInput | None = None
    _audio_format: AudioFormat | None = None
    _live_audio_next: int | None = None  # sample-rate ticks
    _audio_clock: tuple[int, int, int] = (0, 1, 0)  # AudioInput.clock, read once a session

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"ingest-{self.camera_id[:8]}", daemon=True
        )
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        segmenter = Segmenter(int(self.segment_seconds * 1_000_000), self._segment_done)
        connection = self.connection  # which transport, and when to try again
        while not self._stop.is_set():
            frames, error = self.status.frames, None
            self.status.transport = connection.transport
            try:
                self._session(segmenter)
                if not self._stop.is_set():
                    raise StreamEnded("the camera closed the stream")
            except (
                av.FFmpegError, OSError, ValueError, IndexError, StopIteration, HearthwatchError,
                UnsupportedCodec, StreamEnded,
            ) as err:  # fmt: skip
                error = err
                self._failed(err)
            finally:
                segmenter.reset()
                self.status.online = False
                self.hub.end()
            problem = self.status.problem if error is not None else None
            video = self.status.frames > frames
            wait = connection.session_ended(error, problem, had_video=video, now=time.monotonic())
            if self._stop.is_set():
                break
            self.status.reconnects += 1
            self._stop.wait(wait)

    def _failed(self, err: BaseException) -> None:
        problem = problem_of(err)
        level = logging.WARNING if problem != self.status.problem else logging.DEBUG
        log.log(level, "camera stream failed", extra={
            "camera": self.camera_id, "problem": problem,
            "error": without_credentials(f"{type(err).__name__}: {err}")[:300],
        })  # fmt: skip
        self.status.problem = problem

    def _segment_done(self, segment: FinishedSegment) -> None:
        if self.record:
            self.on_segment(segment)

    def _session(self, segmenter: Segmenter) -> None:
        self._live_base = self._live_audio_next = None
        source = self.open_source(self.url, self.policy(), self.vet, self.connection.transport)
        try:
            self._read(source, segmenter)
        finally:
            source.close()

    def _read(self, source: CameraSource, segmenter: Segmenter) -> None:
        """The session's packets into segments and live, until it ends or we stop."""
        stream = source.video
        self._describe(stream)
        audio = open_audio(source.audio) if source.audio is not None else None
        self._audio = audio
        self._audio_format = audio.format if audio is not None else None
        self._audio_clock = audio.clock if audio is not None else (0, 1, 0)
        # While nobody watches, the frames after a keyframe wait (as the demuxer's own
        # packets) and are all cut into samples when the next keyframe comes: one tight
        # run per GOP instead of one cold start of the same Python per frame, for about
        # a tenth less CPU per camera. Keyframes go through at once (they start segments
        # and live snapshots), and a viewer gets every frame as it comes.
        held: list[tuple[av.Packet[Any], float]] = []
        stopping, take, hub, status = self._stop.is_set, self._packet, self.hub, self.status

        def release_held() -> None:
            for waiting, arrived in held:
                take(waiting, arrived, stream, segmenter, True)
            held.clear()

        # FFmpeg hands over a session's first keyframe before it knows the RTP clock,
        # without a time: it waits here for the next frame's. Dropped, recording would
        # start a whole GOP later (10 s on some cameras).
        untimed: tuple[av.Packet[Any], float] | None = None
        first_video = True
        try:
            for packet in source.packets(audio=audio is not None):
                if stopping():
                    return
                if not packet.size:
                    continue
                if packet.pts is None:
                    if packet.stream is stream and first_video:  # (a gap after it: no)
                        untimed = (packet, time.time()) if packet.is_keyframe else None
                    continue
                if packet.stream is not stream:
                    self._audio_packet(packet, segmenter)
                    continue
                if first_video:
                    first_video = False
                    if untimed is not None and time_untimed(untimed[0], packet, stream):
                        take(untimed[0], untimed[1], stream, segmenter)
                        if self.tap is not None:  # the keyframe the analysis starts on
                            self.tap(untimed[0], stream, untimed[1])
                    untimed = None
                now = time.time()
                tap = self.tap
                if tap is not None:
                    tap(packet, stream, now)
                if (
                    packet.is_keyframe
                    or hub.watched
                    or self._format is None  # the stream's format comes first
                    or len(held) >= MAX_HELD_FRAMES
                ):
                    release_held()
                    take(packet, now, stream, segmenter)
                else:
                    held.append((packet, now))
                status.online, status.last_frame_at = True, now
                status.frames += 1
        finally:
            release_held()  # the camera went away (or we stop): it is still recorded

    def _describe(self, stream: av.video.stream.VideoStream) -> None:
        base = stream.time_base
        self._time_base = (base.numerator, base.denominator) if base else (0, 1)
        context = stream.codec_context
        self.status.codec = context.name
        self.status.width, self.status.height = context.width or None, context.height or None
        rate = stream.average_rate or stream.guessed_rate
        self.status.fps = float(rate) if rate else None
        if context.name not in CODECS:
            raise UnsupportedCodec(
                f"unsupported codec {context.name}: cameras must send H.264 or H.265"
            )
        self._codec, self._last_dts, self._format = context.name, None, None
        self.status.problem = None

    def _packet(
        self,
        packet: av.Packet[Any],
        now: float,
        stream: av.video.stream.VideoStream,
        segmenter: Segmenter,
        held: bool = False,
    ) -> None:
        """One frame into the segmenter and the live hub; `now` is when it arrived, `held`
        whether it waited for others (while nobody watched)."""
        keyframe = bool(packet.is_keyframe)
        if self._codec == H264:
            sample, sps, pps = h264_access_unit(bytes(packet))
            learned = sps is not None or pps is not None
        else:
            sample, vps, sps, pps = h265_access_unit(bytes(packet))
            learned = vps is not None or sps is not None or pps is not None
        if learned or self._format is None:
            self._learn_format(bytes(packet) if learned else b"", stream)
        # Integer arithmetic on the stream's time base, read once per session: a Fraction
        # per packet costs more than the copy of the packet itself.
        numerator, denominator = self._time_base
        pts = (packet.pts or 0) * TIMESCALE * numerator // denominator
        raw_dts = packet.dts
        if raw_dts is not None:  # the usual case, inline: this runs for every frame
            dts = self._last_dts = raw_dts * TIMESCALE * numerator // denominator
        else:
            dts = self._decode_ticks(pts, segmenter.nominal_ticks)
        fmt = self._format
        segmenter.push(sample, keyframe, dts, pts, int(now * 1e6), fmt)  # positional: per frame
        if fmt is not None:
            duration = segmenter.nominal_ticks
            live_time = self._live_time(dts, now, duration)
            self.hub.publish(
                LiveFrame(Sample(sample, duration, keyframe, pts - dts), live_time), held
            )

    def _decode_ticks(self, pts: int, nominal: int) -> int:
        """The decode time in camera ticks of a frame without one. The demuxer guesses DTS
        only once it has seen the stream's frame reordering; until then (and for a camera
        without B-frames) presentation order is decode order, and a lone missing DTS follows
        the last one."""
        ticks = pts if self._last_dts is None else min(self._last_dts + nominal, pts)
        self._last_dts = ticks
        return ticks

    def _audio_packet(self, packet: av.Packet[Any], segmenter: Segmenter) -> None:
        """An audio packet: into the open segment, and to live listeners if there are any.
        AAC by copy (the usual case, some 47 packets a second) takes the short way."""
        audio = self._audio
        if audio is None or self._format is None:
            return
        if audio.copies and not self.hub.audio_watched:
            multiplier, divisor, samples = self._audio_clock
            length = (packet.duration or 0) * samples // divisor or AAC_FRAME
            segmenter.push_audio(bytes(packet), (packet.pts or 0) * multiplier // divisor, length)
            return
        for frame in audio.frames(packet):
            segmenter.push_audio(frame.data, frame.ticks, frame.duration)
            if self.hub.audio_watched and self._live_base is not None:
                at = self._live_audio_time(frame.ticks + self._live_base, frame.duration)
                self.hub.publish_audio(LiveAudio(frame.data, at, frame.duration))

    def _live_audio_time(self, live: int, duration: int) -> int:
        """Live audio runs on without the jitter of the camera's timestamps (a millisecond
        either way, after RTCP rescaling): frame after frame while it stays near them."""
        rate = self._audio_format.sample_rate if self._audio_format else TIMESCALE
        samples = live * rate // TIMESCALE
        expected = self._live_audio_next
        if expected is not None and abs(samples - expected) < rate // 2:
            samples = expected
        self._live_audio_next = samples + duration
        return samples * TIMESCALE // rate + (1 if samples * TIMESCALE % rate else 0)

    def _learn_format(self, annexb: bytes, stream: av.video.stream.VideoStream) -> None:
        """The stream's format from a keyframe's parameter sets, or from the extradata the
        demuxer read from the camera's session description."""
        found = parameter_sets(self._codec, annexb) if annexb else None
        if found is None and self._format is None and stream.codec_context.extradata:
            found = parameter_sets(self._codec, stream.codec_context.extradata)
        if found is None:
            return
        context = stream.codec_context
        width, height = context.width or 0, context.height or 0
        if self._codec == H264:
            fmt = StreamFormat(found[0], found[1], width, height, audio=self._audio_format)
        else:
            fmt = StreamFormat(found[1], found[2], width, height, found[0], self._audio_format)
        if fmt != self._format:
            self._format = fmt
            self.hub.set_init(fmt.init, fmt.audio)

    def _live_time(self, ticks: int, now: float, duration: int) -> int:
        """A steady live timeline: camera spacing, wall-clock origin, no steps backwards."""
        if self._live_base is None:
            self._live_base = int(now * TIMESCALE) - ticks
        live = ticks + self._live_base
        if self._live_last is not None and not 0 < live - self._live_last <= 5 * TIMESCALE:
            live = self._live_last + duration
            self._live_base = live - ticks
        self._live_last = live
        return live
