"""A simulated camera: identity, streams paced in real time, a drifting clock, and faults.

Each stream has one `Broadcaster` that paces frames at the stream's rate and hands each to
every playing RTSP session, so many viewers cost one pacing loop. Faults act like a real
camera's: a reboot drops every connection and refuses new ones for a while, a stall stops
frames with the connection open, and the camera's clock can drift or jump.

Time: a frame is due at a point of the host's monotonic clock. The camera's `CameraClock`
maps that point to the camera's own wall time (sent in RTCP sender reports) and media time
(the RTP timestamps); both run `drift_ppm` fast or slow and each can jump on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from hearthwatch.camsim.identity import CameraIdentity, new_identity
from hearthwatch.camsim.scene import EncodedFrame

CLOCK_RATE = 90_000
# Behind schedule by more than this (a stall, an overloaded host), the stream skips ahead
# so its timestamps show the gap, as a camera's capture clock would.
RESYNC_AFTER_S = 0.5

log = logging.getLogger("hearthwatch.camsim")


class FrameSource(Protocol):
    sps: bytes
    pps: bytes
    width: int
    height: int
    fps: int

    async def frame(self, index: int) -> EncodedFrame: ...


@dataclass
class CameraClock:
    """The camera's wall and media clocks as functions of the host's monotonic time."""

    drift_ppm: float = 0.0
    anchor_mono: float = field(default_factory=time.monotonic)
    anchor_wall: float = field(default_factory=time.time)
    anchor_media: float = 0.0
    # A frame that was due just before the last drift change is stamped at the old rate,
    # so a late frame cannot step back in time.
    previous_ppm: float = 0.0

    def _rate(self, mono: float) -> float:
        ppm = self.drift_ppm if mono >= self.anchor_mono else self.previous_ppm
        return 1 + ppm / 1e6

    def wall_time(self, mono: float) -> float:
        return self.anchor_wall + (mono - self.anchor_mono) * self._rate(mono)

    def media_time(self, mono: float) -> float:
        return self.anchor_media + (mono - self.anchor_mono) * self._rate(mono)

    def set_drift(self, ppm: float) -> None:
        """Change the rate from now on; both clocks stay continuous."""
        now = time.monotonic()
        self.anchor_wall, self.anchor_media = self.wall_time(now), self.media_time(now)
        self.anchor_mono, self.previous_ppm, self.drift_ppm = now, self.drift_ppm, ppm


class Subscriber(Protocol):
    def deliver(self, frame: EncodedFrame, rtp_ticks: int, wall_time: float) -> None: ...

    def close(self) -> None: ...


@dataclass(eq=False)
class Broadcaster:
    """Paces one stream and fans each frame out to every subscriber."""

    camera: SimulatedCamera
    source: FrameSource
    subscribers: set[Subscriber] = field(default_factory=set)
    task: asyncio.Task[None] | None = None

    def subscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.add(subscriber)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    def disconnect_all(self) -> None:
        """Close every subscriber and stop pacing; the next subscriber starts afresh."""
        for subscriber in list(self.subscribers):
            subscriber.close()
        self.subscribers.clear()
        if self.task is not None:
            self.task.cancel()

    async def stop(self) -> None:
        self.disconnect_all()
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        media_started = self.camera.clock.media_time(started)
        index, skipped = 0, 0.0
        while self.subscribers:
            await self.camera.wait_while_stalled()
            due = started + skipped + index / self.source.fps
            if loop.time() - due > RESYNC_AFTER_S:
                skipped += loop.time() - due
                due = loop.time()
            frame = await self.source.frame(index)
            clock = self.camera.clock
            ticks = round((clock.media_time(due) - media_started) * CLOCK_RATE)
            self._fan_out(frame, ticks, clock.wall_time(due))
            index += 1
            delay = started + skipped + index / self.source.fps - loop.time()
            await asyncio.sleep(max(0.0, delay))

    def _fan_out(self, frame: EncodedFrame, ticks: int, wall: float) -> None:
        for subscriber in list(self.subscribers):
            try:
                subscriber.deliver(frame, ticks, wall)
            except Exception:  # one broken viewer must not stop the stream for the others
                log.exception("camsim: dropping a subscriber of %s", self.camera.serial)
                self.subscribers.discard(subscriber)
                subscriber.close()


@dataclass(eq=False)
class SimulatedCamera:
    name: str
    streams: dict[str, FrameSource]
    identity: CameraIdentity = field(default_factory=new_identity)
    username: str | None = None
    password: str | None = None
    firmware: str = "1.4.2-sim"
    clock: CameraClock = field(default_factory=CameraClock)
    offline_until: float = 0.0
    stalled_until: float = 0.0
    broadcasters: dict[str, Broadcaster] = field(default_factory=dict)
    on_reboot: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.broadcasters = {name: Broadcaster(self, src) for name, src in self.streams.items()}

    @property
    def serial(self) -> str:
        return self.identity.serial

    @property
    def online(self) -> bool:
        return time.monotonic() >= self.offline_until

    def drop_connections(self) -> None:
        """Close every RTSP connection at once, as a flaky network would."""
        for broadcaster in self.broadcasters.values():
            broadcaster.disconnect_all()
        for hook in self.on_reboot:
            hook()

    def reboot(self, downtime_s: float = 5.0) -> None:
        """Drop everything and refuse connections for `downtime_s`; timestamps restart."""
        self.offline_until = time.monotonic() + downtime_s
        self.stalled_until = 0.0
        self.drop_connections()

    def stall(self, seconds: float) -> None:
        """Stop sending frames for a while; connections stay open."""
        self.stalled_until = time.monotonic() + seconds

    def drift(self, ppm: float) -> None:
        """Run the camera's clocks `ppm` parts per million fast (or slow, when negative)."""
        self.clock.set_drift(ppm)

    def jump_clock(self, seconds: float) -> None:
        """The camera's wall clock jumps (NTP resync, wrong time zone...)."""
        self.clock.anchor_wall += seconds

    def jump_timestamps(self, seconds: float) -> None:
        """RTP timestamps jump while frames keep coming (firmware bugs do this)."""
        self.clock.anchor_media += seconds

    async def wait_while_stalled(self) -> None:
        while (remaining := self.stalled_until - time.monotonic()) > 0:
            await asyncio.sleep(remaining)

    async def close(self) -> None:
        for broadcaster in self.broadcasters.values():
            await broadcaster.stop()
