"""Live fan-out: one ingest feeds any number of viewers, each through its own bounded queue.

The hub keeps the init segment and every frame since the last keyframe, so a viewer who
joins gets a decodable picture at once instead of waiting up to a GOP. (While nobody
watches, the ingest hands over the frames after a keyframe in one run at the next keyframe;
once someone joins, it hands over the frames it holds at the next frame, and each frame as
it comes from then on.) A viewer that
cannot keep up loses fragments up to the next keyframe; it never slows the ingest or the
other viewers.

Three kinds of viewer share one ingest: fMP4 viewers (the WebSocket into Media Source
Extensions) get one fragment per frame, built once for all of them, and, when the camera
has sound, one fragment per audio frame in between (the init segment then has two tracks);
frame viewers (WebRTC) get the frames themselves, and audio listeners the AAC frames. Each
kind costs nothing while nobody of that kind watches.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Generic, NamedTuple, TypeVar

from hearthwatch.media.fmp4 import (
    AUDIO_TRACK,
    TIMESCALE,
    AudioFormat,
    Run,
    Sample,
    fragment,
    runs_parts,
)

MAX_QUEUE = 200
T = TypeVar("T")


@dataclass(eq=False)
class LiveViewer(Generic[T]):
    """One viewer's queue of fragments or frames; None in it means the stream ended."""

    loop: asyncio.AbstractEventLoop
    limit: int = MAX_QUEUE
    queue: asyncio.Queue[T | None] = field(default_factory=asyncio.Queue)
    skipping: bool = False

    def offer(self, item: T, keyframe: bool, joined_gop: bool = False) -> None:
        """Runs on the viewer's loop. The frames of the GOP a viewer joined in (which the
        ingest may hand over in one burst) always get in after its keyframe: only a viewer
        that falls behind the live stream skips."""
        if self.skipping and not keyframe:
            return
        if self.queue.qsize() >= self.limit - 1 and not joined_gop:
            self.skipping = True
            return
        self.skipping = False
        self.queue.put_nowait(item)

    def offer_audio(self, item: T) -> None:
        """Runs on the viewer's loop. Audio frames stand alone: one is dropped when the queue
        is full, and they leave a video viewer's skipping to the next keyframe as it is."""
        if self.queue.qsize() < self.limit - 1:
            self.queue.put_nowait(item)

    def close(self) -> None:
        """Runs on the viewer's loop; the end marker gets in even when the queue is full."""
        self.queue.put_nowait(None)


class LiveFrame(NamedTuple):  # one per frame of every camera: a tuple is cheapest to make
    """A video frame. `decode_time` is its decode time on the live timeline (TIMESCALE
    ticks); it is shown at ``decode_time + sample.offset`` (B-frames come before the
    frames they are shown after)."""

    sample: Sample
    decode_time: int


class LiveAudio(NamedTuple):
    """One raw AAC frame (no ADTS header) of the camera's sound."""

    data: bytes
    time: int  # presentation time in TIMESCALE ticks, on the timeline of LiveFrame.decode_time
    duration: int  # in sample-rate ticks


@dataclass
class LiveHub:
    """Per-camera fan-out of fMP4 fragments (one frame each).

    The frames since the last keyframe are kept as samples (cheap) and only turned into
    fragments for a viewer who joins; fragments are built per frame only while watched.
    """

    init: bytes | None = None
    gop: list[LiveFrame] = field(default_factory=list)
    viewers: set[LiveViewer[bytes]] = field(default_factory=set)
    frame_viewers: set[LiveViewer[LiveFrame]] = field(default_factory=set)
    audio_viewers: set[LiveViewer[LiveAudio]] = field(default_factory=set)
    audio: AudioFormat | None = None  # the camera's sound, if it sends any we keep
    sequence: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def set_init(self, init: bytes, audio: AudioFormat | None = None) -> None:
        """A new stream format: its init segment (with an audio track if `audio`)."""
        with self._lock:
            if init != self.init:
                self.init, self.gop = init, []
            self.audio = audio

    @property
    def watched(self) -> bool:
        """Whether anyone (fMP4 or WebRTC) is watching now."""
        return bool(self.viewers or self.frame_viewers)

    @property
    def audio_watched(self) -> bool:
        """Whether anyone would get an audio frame now (the ingest asks before making one)."""
        return bool(self.viewers or self.audio_viewers) and self.audio is not None

    def publish_audio(self, frame: LiveAudio) -> None:
        """Called by the ingest thread for each audio frame while `audio_watched`."""
        with self._lock:
            audio = self.audio
            if audio is None:
                return
            viewers = list(self.viewers)
            data = self._audio_fragment(frame, audio.sample_rate) if viewers else b""
            listeners = list(self.audio_viewers)
        for viewer in viewers:
            viewer.loop.call_soon_threadsafe(viewer.offer_audio, data)
        for listener in listeners:
            listener.loop.call_soon_threadsafe(listener.offer_audio, frame)

    def _audio_fragment(self, frame: LiveAudio, rate: int) -> bytes:
        self.sequence += 1
        start = frame.time * rate // TIMESCALE  # `time` is rounded up from whole samples
        run = Run(AUDIO_TRACK, start, [Sample(frame.data, frame.duration, True)])
        return b"".join(runs_parts(self.sequence, [run]))

    def join_audio(self, loop: asyncio.AbstractEventLoop) -> LiveViewer[LiveAudio]:
        """A new audio listener: each audio frame as it comes (see `audio` for the format)."""
        viewer: LiveViewer[LiveAudio] = LiveViewer(loop)
        with self._lock:
            self.audio_viewers.add(viewer)
        return viewer

    def publish(self, frame: LiveFrame, held: bool = False) -> None:
        """Called by the ingest thread for each frame; `held` for a frame it kept back while
        nobody watched (whoever watches now has just joined, in this frame's GOP)."""
        keyframe = frame.sample.keyframe
        with self._lock:
            if keyframe:
                self.gop = [frame]  # the cache always opens on a keyframe
            elif self.gop:
                self.gop.append(frame)
            if not self.watched:
                return  # nobody watching: the usual case, kept to the cache above
            viewers = list(self.viewers)
            data = self._fragment(frame) if viewers else b""
            frame_viewers = list(self.frame_viewers)
        for viewer in viewers:
            viewer.loop.call_soon_threadsafe(viewer.offer, data, keyframe, held)
        for frame_viewer in frame_viewers:
            frame_viewer.loop.call_soon_threadsafe(frame_viewer.offer, frame, keyframe, held)

    def _fragment(self, frame: LiveFrame) -> bytes:
        self.sequence += 1
        return fragment(self.sequence, frame.decode_time, [frame.sample])

    def join(
        self, loop: asyncio.AbstractEventLoop
    ) -> tuple[LiveViewer[bytes], bytes | None, list[bytes]]:
        """A new viewer, with the init segment and the current GOP to start from."""
        viewer: LiveViewer[bytes] = LiveViewer(loop)
        with self._lock:
            self.viewers.add(viewer)
            # With no cached GOP the viewer waits for the next keyframe: a decoder can
            # start nowhere else.
            viewer.skipping = not self.gop
            return viewer, self.init, [self._fragment(f) for f in self.gop]

    def join_frames(
        self, loop: asyncio.AbstractEventLoop, limit: int = MAX_QUEUE
    ) -> tuple[LiveViewer[LiveFrame], bytes | None, list[LiveFrame]]:
        """A new frame viewer, with the init segment and the frames of the current GOP.

        At most `limit` frames wait in its queue; past that it skips to the next keyframe.
        """
        viewer: LiveViewer[LiveFrame] = LiveViewer(loop, limit)
        with self._lock:
            self.frame_viewers.add(viewer)
            viewer.skipping = not self.gop
            return viewer, self.init, list(self.gop)

    def leave(
        self, viewer: LiveViewer[bytes] | LiveViewer[LiveFrame] | LiveViewer[LiveAudio]
    ) -> None:
        with self._lock:
            self.viewers.discard(viewer)
            self.frame_viewers.discard(viewer)
            self.audio_viewers.discard(viewer)

    def end(self) -> None:
        """The stream stopped (camera offline): tell every viewer."""
        with self._lock:
            viewers: list[LiveViewer[bytes] | LiveViewer[LiveFrame] | LiveViewer[LiveAudio]] = [
                *self.viewers,
                *self.frame_viewers,
                *self.audio_viewers,
            ]
            self.gop = []
        for viewer in viewers:
            viewer.loop.call_soon_threadsafe(viewer.close)
