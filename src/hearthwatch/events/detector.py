"""One camera's motion detection: the packets its ingest taps, decoded and analysed in a
thread of its own, events opened and closed, thumbnails made (issue 14 items 1 and 2).

What is analysed is chosen by the recorder (media/recorder.py): the sub-stream when the
camera has one (every frame: a 320x180 stream at 5 fps decodes for well under a
millisecond a frame), else the main stream's keyframes only (a few milliseconds each, one
every GOP, so motion is seen every second or two instead of five times a second: the cost
of analysing every frame of a 1080p stream would be some 30 times higher). The main stream
is never decoded in full for analysis.

The ingest's thread only copies a wanted packet into a small queue (`offer`); when the queue
is full the analysis is behind, and packets are dropped up to the next keyframe (a decoder
can start nowhere else), so analysis never slows recording. Decoding uses one thread and
skips the loop filter (the picture is shrunk to 160 columns anyway); only the Y plane is
read.

An event's thumbnail is the main stream's first keyframe at or after the motion's onset
(from the live hub, at most a GOP later), masked and sealed (events/thumbnails.py); without
one within `THUMBNAIL_WAIT_US` it is the analysed frame that opened the event.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from hearthwatch.context import AppContext
from hearthwatch.events import thumbnails
from hearthwatch.events.detection import DetectionSettings
from hearthwatch.events.lifecycle import EventTracker, OpenEvent
from hearthwatch.events.motion import MotionAnalyser
from hearthwatch.media import playback
from hearthwatch.media.fmp4 import TIMESCALE
from hearthwatch.media.live import LiveHub
from hearthwatch.security.datakeys import KeyDestroyed

if TYPE_CHECKING:
    import av

log = logging.getLogger("hearthwatch.events")

QUEUE_FRAMES = 10  # two seconds of a 5 fps sub-stream
IDLE_TICK_S = 0.5  # without frames (camera offline), quiet events still close
THUMBNAIL_WAIT_US = 4_000_000
THUMBNAIL_WIDTH = 640
Y_PLANE_FORMATS = frozenset({"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "nv12"})


class _Packet(NamedTuple):
    data: bytes
    keyframe: bool
    arrived: float
    session: tuple[str, bytes | None] | None  # (codec, extradata) of a new session


@dataclass
class _Thumbnail:
    event: OpenEvent
    fallback: av.VideoFrame  # the analysed frame that opened the event
    deadline_us: int


class CameraDetector:
    """Motion detection for one camera, fed by an ingest's tap (`offer`)."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        owner_id: str,
        camera_id: str,
        settings: DetectionSettings,
        keyframes_only: bool,
        main_hub: Callable[[], LiveHub | None],
    ) -> None:
        self.ctx, self.camera_id, self.keyframes_only = ctx, camera_id, keyframes_only
        self.owner_id, self.main_hub = owner_id, main_hub
        self.settings = settings  # what the recorder wants; the thread follows
        self.analysed = self.dropped = 0
        self._applied = settings
        self._analyser = MotionAnalyser(settings.motion())
        self._tracker = EventTracker(ctx, owner_id, camera_id, settings, lambda: ctx.event_sink)
        self._queue: queue.Queue[_Packet | None] = queue.Queue(maxsize=QUEUE_FRAMES)
        self._stream: object | None = None
        self._skip_to_key = True
        self._decoder: av.VideoCodecContext | None = None
        self._thumbnail: _Thumbnail | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- the ingest's side: must return at once ---

    def offer(self, packet: av.Packet[Any], stream: av.video.stream.VideoStream, at: float) -> None:
        """The ingest's tap: queue the packet if it is analysed, drop it if behind."""
        keyframe = bool(packet.is_keyframe)
        fresh = stream is not self._stream  # a new session: its decoder starts on a keyframe
        if not keyframe and (self.keyframes_only or self._skip_to_key or fresh):
            return
        session = None
        if fresh:
            context = stream.codec_context
            session = (context.name, context.extradata)
        try:
            self._queue.put_nowait(_Packet(bytes(packet), keyframe, at, session))
        except queue.Full:
            self.dropped += 1
            self._skip_to_key = True
            return
        self._stream, self._skip_to_key = stream, False

    # --- the detector's own thread ---

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"detect-{self.camera_id[:8]}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop analysing; the open event (if any) closes where motion was last seen."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def open_event(self) -> OpenEvent | None:
        return self._tracker.current

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    item = self._queue.get(timeout=IDLE_TICK_S)
                except queue.Empty:
                    item = None
                try:
                    self._step(item)
                except Exception:  # one bad frame or a database hiccup: analysis goes on
                    log.exception("motion analysis failed", extra={"camera": self.camera_id})
        finally:
            self._stopped()

    def _stopped(self) -> None:
        try:
            self._tracker.close()
        except Exception:
            log.exception("closing an event failed", extra={"camera": self.camera_id})

    def _step(self, item: _Packet | None) -> None:
        self._follow_settings()
        now_us = int(time.time() * 1_000_000) if item is None else int(item.arrived * 1e6)
        if item is not None:
            frame = self._decode(item)
            if frame is not None:
                self._analyse(frame, now_us)
        self._make_thumbnail(now_us)
        self._tracker.tick(now_us)

    def _follow_settings(self) -> None:
        wanted = self.settings
        if wanted is self._applied:
            return
        if wanted.motion() != self._applied.motion():
            self._analyser = MotionAnalyser(wanted.motion())
        self._tracker.settings, self._applied = wanted, wanted

    def _decode(self, item: _Packet) -> av.VideoFrame | None:
        import av

        if item.session is not None:
            self._decoder = _decoder(*item.session, keyframes_only=self.keyframes_only)
        if self._decoder is None:
            return None
        try:
            frames = self._decoder.decode(av.Packet(item.data))
        except av.FFmpegError:
            self._skip_to_key = True  # the picture is broken until the next keyframe
            return None
        return frames[-1] if frames else None

    def _analyse(self, frame: av.VideoFrame, at_us: int) -> None:
        verdict = self._analyser.feed(gray_of(frame), at_us)
        self.analysed += 1
        opened = self._tracker.observe(verdict, at_us)
        if opened is not None:
            deadline = at_us if self.keyframes_only else at_us + THUMBNAIL_WAIT_US
            self._thumbnail = _Thumbnail(opened, frame, deadline)

    def _make_thumbnail(self, now_us: int) -> None:
        """The main stream's first keyframe since the motion began, once there is one (or
        the frame that opened the event, once waiting is over)."""
        wanted = self._thumbnail
        if wanted is None:
            return
        masks = self._applied.masks
        hub = None if self.keyframes_only else self.main_hub()
        init, gop = (hub.init, list(hub.gop)) if hub is not None else (None, [])
        image = None
        if init is not None and gop:
            key_us = gop[0].decode_time * 1_000_000 // TIMESCALE
            if key_us >= wanted.event.start_us:
                keyframe = playback.decode_keyframe(init, gop[0].sample.data)
                image = playback.jpeg(keyframe, max_width=THUMBNAIL_WIDTH, masks=masks)
        if image is None and now_us >= wanted.deadline_us:
            image = playback.jpeg(wanted.fallback, max_width=THUMBNAIL_WIDTH, masks=masks)
        if image is None:
            return
        self._thumbnail = None
        self._store_thumbnail(wanted.event, image)

    def _store_thumbnail(self, event: OpenEvent, image: bytes) -> None:
        made_at = datetime.fromtimestamp(event.start_us / 1_000_000, UTC)
        try:
            key = thumbnails.store_thumbnail(
                self.ctx.vault,
                owner_id=self.owner_id,
                camera_id=self.camera_id,
                event_id=event.id,
                jpeg=image,
                made_at=made_at,
            )
        except KeyDestroyed:
            return  # the camera's recordings were erased meanwhile: nothing to keep
        self._tracker.thumbnail_stored(event, key)


def _decoder(codec: str, extradata: bytes | None, *, keyframes_only: bool) -> av.VideoCodecContext:
    """A decoder for one session: one thread, no loop filter (the picture is shrunk to a
    few columns anyway), non-keyframes skipped when only keyframes come."""
    import av

    decoder = av.CodecContext.create(codec, "r")
    assert isinstance(decoder, av.VideoCodecContext)
    if extradata:
        decoder.extradata = extradata
    decoder.thread_count = 1
    decoder.options = {"skip_loop_filter": "all"}
    if keyframes_only:
        decoder.skip_frame = "NONKEY"
    return decoder


def gray_of(frame: av.VideoFrame) -> NDArray[np.uint8]:
    """The frame's luma as rows x columns (a view of the decoder's Y plane, no conversion)."""
    if frame.format.name not in Y_PLANE_FORMATS:
        return np.asarray(frame.to_ndarray(format="gray"), dtype=np.uint8)
    plane = frame.planes[0]
    rows: NDArray[np.uint8] = np.frombuffer(memoryview(plane), np.uint8)
    return rows.reshape(frame.height, plane.line_size)[:, : frame.width]
