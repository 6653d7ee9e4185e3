"""Simulated cameras for motion detection (issue 14): short scenes whose visitor crosses at
a known moment of every loop, on a main stream and a sub-stream, or a scene where nothing
moves; a recorder run by the test; an event sink that writes down what it hears."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from hearthwatch.camsim import CameraFleet, FleetConfig
from hearthwatch.camsim.fleet import CameraInfo
from hearthwatch.camsim.scene import SceneSpec
from hearthwatch.context import AppContext
from hearthwatch.devices.registry import register_camera
from hearthwatch.media.recorder import Recorder

LOOP_S = 8
MOTION = ((3.0, 6.0),)  # seconds of every loop in which the visitor crosses
MAIN = SceneSpec(640, 360, 25, LOOP_S, 2.0, 800, MOTION)
SUB = SceneSpec(320, 180, 5, LOOP_S, 2.0, 256, MOTION)
QUIET_MAIN = SceneSpec(640, 360, 25, LOOP_S, 2.0, 800, ())
QUIET_SUB = SceneSpec(320, 180, 5, LOOP_S, 2.0, 256, ())
LAWN = [[0.0, 0.4], [1.0, 0.4], [1.0, 1.0], [0.0, 1.0]]  # where the visitor walks
SKY_CORNER = [[0.0, 0.0], [0.3, 0.0], [0.3, 0.3], [0.0, 0.3]]  # nothing moves up there


@dataclass
class RecordingSink:
    """An `EventSink` that keeps each call as (what, event id, when: time.monotonic())."""

    calls: list[tuple[str, str, float]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _note(self, what: str, event_id: str) -> None:
        with self._lock:
            self.calls.append((what, event_id, time.monotonic()))

    def event_opened(self, event_id: str) -> None:
        self._note("opened", event_id)

    def event_updated(self, event_id: str) -> None:
        self._note("updated", event_id)

    def event_closed(self, event_id: str) -> None:
        self._note("closed", event_id)

    def ids(self, what: str) -> list[str]:
        with self._lock:
            return [event_id for kind, event_id, _ in self.calls if kind == what]


@contextlib.contextmanager
def motion_fleet(cameras: int = 1, *, quiet: bool = False) -> Iterator[CameraFleet]:
    """`cameras` simulated cameras with a main stream and a sub-stream."""
    main, sub = (QUIET_MAIN, QUIET_SUB) if quiet else (MAIN, SUB)
    config = FleetConfig(cameras=cameras, port=0, main_scene=main, sub_scene=sub, audio=False)
    with CameraFleet(config) as fleet:
        yield fleet


def register(ctx: AppContext, camera: CameraInfo, *, sub: bool = True) -> None:
    """Make the camera known to the service (with its sub-stream, unless `sub` is False)."""
    with ctx.db.session() as session:
        register_camera(
            ctx,
            session,
            serial=camera.serial,
            code=camera.verification_code,
            rtsp_url=camera.main_url,
            sub_rtsp_url=camera.sub_url if sub else None,
            model="CamSim 1",
        )


@contextlib.contextmanager
def running_recorder(ctx: AppContext) -> Iterator[Recorder]:
    """The recorder, running (2 s segments) until the block ends."""
    ctx.settings.segment_seconds = 2.0
    recorder = Recorder(ctx, ctx.vault)
    ctx.recorder = recorder
    recorder.start()
    try:
        yield recorder
    finally:
        recorder.stop()
        ctx.recorder = None
