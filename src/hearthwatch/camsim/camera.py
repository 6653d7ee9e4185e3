"""A simulated camera: identity, streams paced in real time, a drifting clock, and faults.

Each stream has one `Broadcaster` that paces frames at the stream's rate and hands each to
every playing RTSP session, so many viewers cost one pacing loop. Faults act like a real
camera's: a reboot drops every connection and refuses new ones for a while, a stall stops
frames with the connection open, and the camera's clock can drift or jump.

Time: a frame is due at a point of the host's monotonic clock. The camera's `CameraClock`
maps that point to the camera's own wall time (sent in RTCP sender reports) and media time
(the RTP timestamps); both run `drift_ppm` fast or slow and each can jump on its own.

Sound: a camera with a microphone sends its looping AAC clip on an audio track of every
stream. The stream's pacing loop sends the audio frames that have come due with each
video frame (no timer of their own), stamped from the same media clock: audio frame `n`
is due `n * 1024 / rate` after the stream started, exactly as video frame `i` is due
`i / fps` after it, so the two stay in step however long the stream runs, and a stall or
a clock fault moves both alike.
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
from hearthwatch.camsim.sound import AudioClip

CLOCK_RATE = 90_000
VIDEO_TRACK, AUDIO_TRACK = 0, 1
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


@dataclass(frozen=True)
class AudioBurst:
    """Consecutive AAC frames that came due together, stamped at the first one."""

    frames: tuple[bytes, ...]
    rtp_ticks: int  # at the clip's sample rate
    wall_time: float


class Subscriber(Protocol):
    @property
    def track(self) -> int: ...

    def deliver(self, frame: EncodedFrame, rtp_ticks: int, wall_time: float) -> None: ...

    def deliver_audio(self, burst: AudioBurst) -> None: ...

    def close(self) -> None: ...


@dataclass(eq=False)
class Broadcaster:
    """Paces one stream and fans each frame out to every subscriber of its tracks."""

    camera: SimulatedCamera
    source: FrameSource
    subscribers: set[Subscriber] = field(default_factory=set)
    listeners: set[Subscriber] = field(default_factory=set)  # of the audio track
    task: asyncio.Task[None] | None = None

    def subscribe(self, subscriber: Subscriber) -> None:
        audience = self.listeners if subscriber.track == AUDIO_TRACK else self.subscribers
        audience.add(subscriber)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)
        self.listeners.discard(subscriber)

    def disconnect_all(self) -> None:
        """Close every subscriber and stop pacing; the next subscriber starts afresh."""
        for subscriber in [*self.subscribers, *self.listeners]:
            subscriber.close()
        self.subscribers.clear()
        self.listeners.clear()
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
        index, skipped, heard = 0, 0.0, 0
        while self.subscribers or self.listeners:
            await self.camera.wait_while_stalled()
            due = started + skipped + index / self.source.fps
            if loop.time() - due > RESYNC_AFTER_S:
                skipped += loop.time() - due
                due = loop.time()
            frame = await self.source.frame(index)
            clock = self.camera.clock
            ticks = round((clock.media_time(due) - media_started) * CLOCK_RATE)
            self._fan_out(frame, ticks, clock.wall_time(due))
            heard = self._send_sound(heard, started + skipped, due, media_started)
            index += 1
            delay = started + skipped + index / self.source.fps - loop.time()
            await asyncio.sleep(max(0.0, delay))

    def _send_sound(self, heard: int, origin: float, until: float, media_started: float) -> int:
        """Send the audio frames due by `until` (frame `n` is due at `origin + n * T`);
        returns how many frames the stream has had since it started."""
        clip = self.camera.audio
        if clip is None:
            return heard
        first, step = heard, clip.frame_seconds
        while origin + heard * step <= until:
            heard += 1
        if heard == first or not self.listeners:
            return heard
        due = origin + first * step
        clock, count = self.camera.clock, len(clip.frames)
        ticks = round((clock.media_time(due) - media_started) * clip.sample_rate)
        frames = tuple(clip.frames[n % count] for n in range(first, heard))
        burst = AudioBurst(frames, ticks, clock.wall_time(due))
        for listener in list(self.listeners):
            self._deliver(listener, lambda s: s.deliver_audio(burst))
        return heard

    def _fan_out(self, frame: EncodedFrame, ticks: int, wall: float) -> None:
        for subscriber in list(self.subscribers):
            self._deliver(subscriber, lambda s: s.deliver(frame, ticks, wall))

    def _deliver(self, subscriber: Subscriber, send: Callable[[Subscriber], None]) -> None:
        try:
            send(subscriber)
        except Exception:  # one broken viewer must not stop the stream for the others
            log.exception("camsim: dropping a subscriber of %s", self.camera.serial)
            self.unsubscribe(subscriber)
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
    sound: AudioClip | None = None  # what its microphone hears
    audio_on: bool = True
    broadcasters: dict[str, Broadcaster] = field(default_factory=dict)
    on_reboot: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.broadcasters = {name: Broadcaster(self, src) for name, src in self.streams.items()}

    @property
    def serial(self) -> str:
        return self.identity.serial

    @property
    def audio(self) -> AudioClip | None:
        """The sound its streams carry, or None when they are video only."""
        return self.sound if self.audio_on else None

    def set_audio(self, on: bool) -> None:
        """Turn the audio track on or off. Like a real camera applying the setting, the
        streams restart: connections drop, and clients describe the new streams again."""
        if on and self.sound is None:
            raise ValueError(f"camera {self.serial} has no microphone")
        if on != self.audio_on:
            self.audio_on = on
            self.drop_connections()

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
