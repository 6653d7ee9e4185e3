"""Scripted motion: when someone crosses a simulated camera's scene, on a schedule or on command.

A fleet's `MotionSchedule` is one of:

    loop         the scene loops with a crossing in every loop (the default, as before)
    none         a still scene: nobody comes by until told to (`POST .../motion`)
    every:<s>    a still scene with a crossing every <s> seconds, the cameras staggered

Besides the loop, a crossing is a pre-encoded clip (`SceneSpec.crossing`) spliced into the
camera's streams: each stream switches to it at its first frame sent at or after the
crossing's start (an IDR, so a decoder needs nothing before it), plays it to the end, then
goes back to its background scene at a keyframe. The main stream (25 fps) and the sub-stream
(5 fps) therefore switch within one sub-stream frame of each other.

A camera's `MotionScript` holds its crossings; the control API's thread adds them, the
fleet's event loop reads them as it sends frames, so its state is kept under a lock.
Each stream writes down, in wall-clock seconds (`time.time()`), when it sent a crossing's
first and last frame: that is what a benchmark measures alert latency from.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from hearthwatch.camsim.scene import CROSSING_SECONDS
from hearthwatch.camsim.views import ACTORS
from hearthwatch.errors import Conflict, ValidationFailed

INVALID = "camsim.motion_invalid"
BUSY = "camsim.motion_busy"
SCHEDULES = ("loop", "none", "every:<seconds>")
MIN_PERIOD_S = 10.0  # a crossing lasts 6 s: leave a still moment between two
MAX_PERIOD_S = 86_400.0
# A stream that comes to a crossing this late (it was not sending, or it was busy with the
# previous one) leaves it out rather than show it out of step with the other stream.
LATE_AFTER_S = 1.0
# Crossings are kept apart by this much more than their length, so the slower stream
# (5 fps) has ended one before the next begins.
GAP_S = 0.5
KEPT = 20  # crossings remembered per camera, for `GET .../motion`


@dataclass(frozen=True)
class MotionSchedule:
    """When crossings happen by themselves (see the module's docstring)."""

    kind: str = "loop"  # "loop", "none" or "every"
    period_s: float = 0.0  # for "every"

    @classmethod
    def parse(cls, text: str) -> MotionSchedule:
        """`loop`, `none` or `every:<seconds>`; ValueError says what is wrong."""
        if text in ("loop", "none"):
            return cls(text)
        name, _, value = text.partition(":")
        try:
            period = float(value) if name == "every" else math.nan
        except ValueError:
            period = math.nan
        if not MIN_PERIOD_S <= period <= MAX_PERIOD_S:  # also refuses NaN
            raise ValueError(
                f"motion schedule must be one of {', '.join(SCHEDULES)}, with"
                f" {MIN_PERIOD_S:g} <= seconds <= {MAX_PERIOD_S:g}; got {text!r}"
            )
        return cls("every", period)

    @property
    def still(self) -> bool:
        """Whether the background is the quiet scene (no crossing of its own)."""
        return self.kind != "loop"

    def first_after(self, index: int, cameras: int) -> float | None:
        """Seconds after the fleet starts of camera `index`'s first scheduled crossing;
        the cameras are spread evenly over one period, so they take turns."""
        if self.kind != "every":
            return None
        return self.period_s * (index + 1) / max(1, cameras)

    def __str__(self) -> str:
        return f"every:{self.period_s:g}" if self.kind == "every" else self.kind


@dataclass
class StreamMark:
    """When one stream sent a crossing's first and last frames (wall clock)."""

    onset_at: float
    end_at: float | None = None


@dataclass(eq=False)
class Crossing:
    """One actor crossing the scene; `starts` is on the host's monotonic clock."""

    number: int
    actor: str
    cause: str  # "command" or "schedule"
    requested_at: float  # wall clock
    starts: float  # monotonic: the streams switch at their first frame from here
    seconds: float = CROSSING_SECONDS
    streams: dict[str, StreamMark] = field(default_factory=dict)

    @property
    def onset_at(self) -> float | None:
        """When the motion first showed, on whichever stream showed it first."""
        return min((m.onset_at for m in self.streams.values()), default=None)

    @property
    def end_at(self) -> float | None:
        """When the last stream to end it sent its last frame, so far. A stream that
        stopped (nobody watched any more) before the crossing's end has no end of its own."""
        return max((m.end_at for m in self.streams.values() if m.end_at is not None), default=None)

    def to_json(self) -> dict[str, Any]:
        return {
            "crossing": self.number,
            "actor": self.actor,
            "cause": self.cause,
            "requested_at": self.requested_at,
            "onset_at": self.onset_at,
            "end_at": self.end_at,
            "seconds": self.seconds,
            "streams": {
                name: {"onset_at": mark.onset_at, "end_at": mark.end_at}
                for name, mark in sorted(self.streams.items())
            },
        }


class MotionScript:
    """One camera's crossings: asked for, scheduled, and marked as its streams show them."""

    def __init__(self, own_actor: str, schedule: MotionSchedule) -> None:
        self.own_actor = own_actor
        self.schedule = schedule
        self._lock = threading.Condition()
        self._crossings: deque[Crossing] = deque(maxlen=KEPT)
        self._numbers = itertools.count(1)
        self._next_scheduled: float | None = None

    def begin(self, first_after: float | None) -> None:
        """Start the schedule's clock (once the camera serves): the first scheduled crossing
        comes `first_after` seconds from now, then one every period."""
        with self._lock:
            self._next_scheduled = None if first_after is None else time.monotonic() + first_after

    def request(self, actor: str | None = None) -> Crossing:
        """A crossing starting now; `Conflict` while the previous one is still under way."""
        now = time.monotonic()
        with self._lock:
            busy = self._busy_until()
            if busy > now:
                raise Conflict(
                    "a crossing is under way on this camera",
                    code=BUSY,
                    details={"retry_after_s": round(busy - now, 3)},
                )
            return self._add(actor or self.own_actor, "command", now)

    def due(self, stream: str, now: float) -> Crossing | None:
        """The crossing `stream` should switch to at `now`, if one has started that it has
        not shown yet (and it is not too late to show it)."""
        with self._lock:
            self._run_schedule(now)
            for crossing in self._crossings:
                late = now - crossing.starts
                if stream not in crossing.streams and 0 <= late < LATE_AFTER_S:
                    return crossing
            return None

    def mark_onset(self, crossing: Crossing, stream: str) -> None:
        with self._lock:
            crossing.streams[stream] = StreamMark(time.time())
            self._lock.notify_all()

    def mark_end(self, crossing: Crossing, stream: str) -> None:
        with self._lock:
            crossing.streams[stream].end_at = time.time()
            self._lock.notify_all()

    def wait_for_onsets(self, crossing: Crossing, streams: set[str], timeout_s: float) -> None:
        """Wait until each of `streams` has shown `crossing` (or `timeout_s` has passed)."""
        with self._lock:
            self._lock.wait_for(lambda: streams <= set(crossing.streams), timeout_s)

    def describe(self, crossing: Crossing) -> dict[str, Any]:
        with self._lock:
            return crossing.to_json()

    def recent(self) -> list[dict[str, Any]]:
        """The crossings remembered, newest first, as JSON."""
        with self._lock:
            return [c.to_json() for c in reversed(self._crossings)]

    def _add(self, actor: str, cause: str, starts: float) -> Crossing:
        crossing = Crossing(next(self._numbers), actor, cause, time.time(), starts)
        self._crossings.append(crossing)
        return crossing

    def _busy_until(self) -> float:
        if not self._crossings:
            return -math.inf
        last = self._crossings[-1]
        return last.starts + last.seconds + GAP_S

    def _run_schedule(self, now: float) -> None:
        """Add the scheduled crossing that has come due; one that falls while another is
        under way is left out (the schedule does not queue)."""
        due, period = self._next_scheduled, self.schedule.period_s
        if due is None or now < due:
            return
        while due + period <= now:  # periods nobody saw (no stream was sending) are skipped
            due += period
        self._next_scheduled = due + period
        if self._busy_until() <= due:
            self._add(self.own_actor, "schedule", due)


def parse_motion_request(body: object) -> str | None:
    """The actor a `POST .../motion` body asks for (None: the view's own).

    An empty body or `{}` is the view's own actor; `{"actor": "car"}` names another."""
    if body is None:
        return None
    if not isinstance(body, dict):
        raise ValidationFailed("the body must be a JSON object", code=INVALID)
    unknown = set(body) - {"actor"}
    if unknown:
        raise ValidationFailed(f"motion takes no {sorted(unknown)}", code=INVALID)
    actor = body.get("actor")
    if actor is None:
        return None
    if not isinstance(actor, str) or actor not in ACTORS:
        raise ValidationFailed(f"'actor' must be one of: {', '.join(ACTORS)}", code=INVALID)
    return actor
