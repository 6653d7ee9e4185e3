"""Frame sources: a pre-encoded looping clip (with crossings spliced in, or not), and a live
encoder that burns in the time."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime

import av
import cv2
import numpy as np
from av.video.frame import PictureType
from numpy.typing import NDArray

from hearthwatch.camsim.motion import Crossing, MotionScript
from hearthwatch.camsim.scene import EncodedClip, EncodedFrame, SceneSpec, make_encoder
from hearthwatch.camsim.views import ViewPainter
from hearthwatch.protocols.h264 import NAL_IDR, NAL_PPS, NAL_SPS, nal_type, split_annexb

TIMECODE_BITS = 48
TIMECODE_ROWS = 2


class ClipSource:
    """Serves a pre-encoded clip in a loop: no encoding at run time."""

    def __init__(self, clip: EncodedClip) -> None:
        self.clip = clip
        self.sps, self.pps = clip.sps, clip.pps
        self.width, self.height, self.fps = clip.spec.width, clip.spec.height, clip.spec.fps

    async def frame(self, index: int) -> EncodedFrame:
        return self.clip.frames[index % len(self.clip.frames)]

    def in_motion(self, index: int) -> bool:
        spec = self.clip.spec
        return spec.in_motion((index % len(self.clip.frames)) / spec.fps)


class ScriptedSource:
    """Serves a background clip in a loop and splices in the crossings of a `MotionScript`.

    A crossing starts at the first frame this stream sends once it is due (the clip opens
    with an IDR and its parameter sets, so nothing before it is needed to decode it); when
    it has played, the background starts again from its first frame, a keyframe. `clips`
    holds the crossing clips by actor; the fleet fills it before asking for a crossing, so
    that nothing is ever encoded on the event loop. A crossing whose clip is missing is
    left out. No encoding at run time, like `ClipSource`."""

    def __init__(
        self,
        stream: str,
        background: EncodedClip,
        script: MotionScript,
        clips: dict[str, EncodedClip],
    ) -> None:
        self.stream, self.background, self.script, self.clips = stream, background, script, clips
        self.sps, self.pps = background.sps, background.pps
        spec = background.spec
        self.width, self.height, self.fps = spec.width, spec.height, spec.fps
        self._position = 0  # in the background
        self._playing: tuple[Crossing, EncodedClip] | None = None
        self._at = 0  # in the crossing being played

    async def frame(self, index: int) -> EncodedFrame:
        if index == 0:  # the stream (re)starts: it must open with a keyframe
            self._restart()
        if self._playing is None:
            self._start_due_crossing()
        if self._playing is not None:
            return self._crossing_frame(*self._playing)
        frames = self.background.frames
        self._position += 1
        return frames[(self._position - 1) % len(frames)]

    def _restart(self) -> None:
        if self._playing is not None:
            self.script.mark_end(self._playing[0], self.stream)
        self._playing, self._position = None, 0

    def _start_due_crossing(self) -> None:
        crossing = self.script.due(self.stream, time.monotonic())
        clip = None if crossing is None else self.clips.get(crossing.actor)
        if crossing is not None and clip is not None:
            self._playing, self._at = (crossing, clip), 0
            self.script.mark_onset(crossing, self.stream)

    def _crossing_frame(self, crossing: Crossing, clip: EncodedClip) -> EncodedFrame:
        frame = clip.frames[self._at]
        self._at += 1
        if self._at == len(clip.frames):  # its last frame: the background comes next
            self.script.mark_end(crossing, self.stream)
            self._playing, self._position = None, 0
        return frame


def timecode_cell(width: int) -> int:
    return max(8, width // (TIMECODE_BITS + 4))


def paint_timecode(frame: NDArray[np.uint8], millis: int) -> None:
    """Draw `millis` as 48 black/white cells along the top; a browser reads them back."""
    cell = timecode_cell(frame.shape[1])
    frame[: cell * TIMECODE_ROWS] = 0
    for bit in range(TIMECODE_BITS):
        if (millis >> (TIMECODE_BITS - 1 - bit)) & 1:
            x = (bit + 2) * cell
            frame[: cell * TIMECODE_ROWS, x : x + cell] = 255


def read_timecode(frame: NDArray[np.uint8]) -> int:
    """Inverse of `paint_timecode` on a decoded RGB or gray frame (for tests)."""
    cell = timecode_cell(frame.shape[1])
    gray = frame if frame.ndim == 2 else frame.mean(axis=2)
    value = 0
    for bit in range(TIMECODE_BITS):
        x = (bit + 2) * cell + cell // 2
        value = (value << 1) | int(gray[cell, x] > 128)
    return value


class LiveSource:
    """Encodes each frame as it is due, with the wall-clock time burned in and as a time code.

    Costs real CPU (libx264 ultrafast), so it is for latency measurements, not fleets.
    """

    def __init__(self, spec: SceneSpec) -> None:
        self.spec = spec
        self.width, self.height, self.fps = spec.width, spec.height, spec.fps
        self.painter = ViewPainter(spec.width, spec.height, spec.view, spec.label, actor=spec.actor)
        self.codec = make_encoder(
            spec.width, spec.height, spec.fps, spec.gop_seconds, spec.bitrate_kbps, live=True
        )
        # A stream restarted after a reboot asks for index 0 again while a cancelled encode
        # may still run in its thread: the lock keeps libx264 single-threaded, and the
        # encoder's own counter keeps its time stamps increasing.
        self._lock = threading.Lock()
        self._pts = 0
        first = self._encode(0)
        self.sps = next(n for n in first.nals if nal_type(n) == NAL_SPS)
        self.pps = next(n for n in first.nals if nal_type(n) == NAL_PPS)

    async def frame(self, index: int) -> EncodedFrame:
        return await asyncio.to_thread(self._encode, index)

    def _encode(self, index: int) -> EncodedFrame:
        with self._lock:
            return self._encode_now(index)

    def _encode_now(self, index: int) -> EncodedFrame:
        now = time.time()
        second = (index / self.fps) % self.spec.seconds
        picture = self.painter.paint(second, self.spec.motion, index)
        paint_timecode(picture, int(now * 1000))
        stamp = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        scale = self.height / 720
        cv2.putText(
            picture,
            stamp,
            (int(20 * scale), int(self.height - 30 * scale)),
            cv2.FONT_HERSHEY_SIMPLEX,
            1.2 * scale,
            (255, 255, 255),
            max(1, int(2 * scale)),
        )
        frame = av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(format="yuv420p")
        frame.pts, self._pts = self._pts, self._pts + 1
        if index == 0:  # a stream (re)starting: its first viewer need not wait for a GOP
            frame.pict_type = PictureType.I
        data = b"".join(bytes(p) for p in self.codec.encode(frame))
        nals = tuple(split_annexb(data))
        return EncodedFrame(nals, any(nal_type(n) == NAL_IDR for n in nals))
