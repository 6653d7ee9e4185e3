"""An event's life: opened by sustained motion, updated while it goes on, closed when quiet.

    (no event) --sustained motion--> open --no motion for quiet_seconds--> closed
                                      |  \\--motion: last_active, peak score, zones hit
                                      \\--detector stops (camera removed, privacy mode,
                                         restriction, shutdown) --> closed at once

An event starts when the motion began (its onset, before the minimum duration had passed)
and ends when it was last seen; the recording kept for it (`span_*`) reaches `pre_roll_s`
before and `post_roll_s` after. Each open is committed before the event sink hears of it
(`event_opened`, which the alerts are waiting for); updates are written when they change
something worth showing (a zone, a clearly higher peak) or every `ACTIVITY_WRITE_US`, so an
event left open by a crash ends near where it did. `close_abandoned` closes those at start.

`EventTracker` is one camera's state machine, driven from its detector's thread.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select, update

from hearthwatch.context import AppContext, EventSink
from hearthwatch.events.detection import DEFAULTS, DetectionSettings
from hearthwatch.events.models import CameraDetection, Event, EventZone
from hearthwatch.events.motion import Verdict

log = logging.getLogger("hearthwatch.events")

ACTIVITY_WRITE_US = 5_000_000
PEAK_STEP = 1.25  # a peak this much higher than the one written is written at once


@dataclass
class OpenEvent:
    id: str
    owner_id: str
    camera_id: str
    start_us: int
    last_active_us: int
    peak_score: float
    zones: list[str]
    written_us: int  # when `last_active_us` was last written
    written_peak: float
    thumbnail_key: str | None = None


def open_event(
    ctx: AppContext,
    *,
    owner_id: str,
    camera_id: str,
    start_us: int,
    at_us: int,
    score: float,
    zones: Iterable[str],
    pre_roll_s: int,
) -> OpenEvent:
    """Store a new open event (and a row per zone hit) and commit it."""
    hit = list(dict.fromkeys(zones))
    with ctx.db.session() as session:
        event = Event(
            camera_id=camera_id,
            owner_id=owner_id,
            start_us=start_us,
            end_us=None,
            last_active_us=at_us,
            peak_score=score,
            zones=json.dumps(hit),
            span_start_us=start_us - pre_roll_s * 1_000_000,
            span_end_us=None,
        )
        session.add(event)
        session.flush()
        session.add_all(_zone_rows(event.id, camera_id, start_us, hit))
        event_id = event.id
    return OpenEvent(event_id, owner_id, camera_id, start_us, at_us, score, hit, at_us, score)


def _zone_rows(event_id: str, camera_id: str, start_us: int, zones: list[str]) -> list[EventZone]:
    """One row per zone hit (the event list filters by zone on them)."""
    return [
        EventZone(event_id=event_id, zone_id=zone, camera_id=camera_id, start_us=start_us)
        for zone in zones
    ]


def record_activity(
    ctx: AppContext, event: OpenEvent, *, at_us: int, score: float, zones: Iterable[str]
) -> bool:
    """Motion goes on: remember it, and write it when it is worth it; True when something
    shown about the event changed (new zones, a clearly higher peak)."""
    event.last_active_us = max(event.last_active_us, at_us)
    new_zones = [z for z in dict.fromkeys(zones) if z not in event.zones]
    event.zones += new_zones
    event.peak_score = max(event.peak_score, score)
    higher = event.peak_score > event.written_peak * PEAK_STEP
    due = at_us - event.written_us >= ACTIVITY_WRITE_US
    if not (new_zones or higher or due):
        return False
    with ctx.db.session() as session:
        session.execute(
            update(Event)
            .where(Event.id == event.id)
            .values(
                last_active_us=event.last_active_us,
                peak_score=event.peak_score,
                zones=json.dumps(event.zones),
            )
        )
        session.add_all(_zone_rows(event.id, event.camera_id, event.start_us, new_zones))
    event.written_us, event.written_peak = at_us, event.peak_score
    return bool(new_zones or higher)


def set_thumbnail(ctx: AppContext, event: OpenEvent, key: str) -> None:
    """The event's thumbnail is stored under `key`."""
    event.thumbnail_key = key
    with ctx.db.session() as session:
        session.execute(update(Event).where(Event.id == event.id).values(thumbnail_key=key))


def close_event(ctx: AppContext, event: OpenEvent, *, post_roll_s: int) -> bool:
    """Close the event where motion was last seen; False when it is gone (its camera was
    removed meanwhile)."""
    with ctx.db.session() as session:
        done = session.execute(
            update(Event)
            .where(Event.id == event.id, Event.end_us.is_(None))
            .values(
                end_us=event.last_active_us,
                span_end_us=event.last_active_us + post_roll_s * 1_000_000,
                last_active_us=event.last_active_us,
                peak_score=event.peak_score,
                zones=json.dumps(event.zones),
            )
        )
        return bool(getattr(done, "rowcount", 0))


def close_abandoned(ctx: AppContext) -> list[str]:
    """Close the events a stopped or crashed recorder left open, where motion was last seen
    (with the camera's post-roll); returns their ids. Run before any detector starts."""
    closed = []
    with ctx.db.session() as session:
        rows = session.execute(
            select(Event, CameraDetection.post_roll_s)
            .outerjoin(CameraDetection, CameraDetection.camera_id == Event.camera_id)
            .where(Event.end_us.is_(None))
        ).all()
        for event, post_roll in rows:
            event.end_us = event.last_active_us
            roll = DEFAULTS.post_roll_s if post_roll is None else post_roll
            event.span_end_us = event.last_active_us + roll * 1_000_000
            closed.append(event.id)
    return closed


@dataclass
class EventTracker:
    """One camera's events, from the verdicts of its motion analysis (one thread)."""

    ctx: AppContext
    owner_id: str
    camera_id: str
    settings: DetectionSettings
    sink: Callable[[], EventSink | None]  # read at each call: the sink may come later
    current: OpenEvent | None = field(default=None)

    def observe(self, verdict: Verdict, at_us: int) -> OpenEvent | None:
        """Take one frame's verdict; returns the event it opened, if it opened one."""
        event = self.current
        if event is None:
            if not verdict.sustained:
                return None
            self.current = open_event(
                self.ctx,
                owner_id=self.owner_id,
                camera_id=self.camera_id,
                start_us=verdict.onset_us if verdict.onset_us is not None else at_us,
                at_us=at_us,
                score=verdict.score,
                zones=verdict.zones_hit,
                pre_roll_s=self.settings.pre_roll_s,
            )
            self._tell("event_opened", self.current.id)
            return self.current
        if verdict.moving:
            zones = verdict.zones_hit
            if record_activity(self.ctx, event, at_us=at_us, score=verdict.score, zones=zones):
                self._tell("event_updated", event.id)
        return None

    def tick(self, now_us: int) -> None:
        """Close the open event once it has been quiet for `quiet_seconds`."""
        event = self.current
        if event is not None and now_us - event.last_active_us >= self._quiet_us:
            self.close()

    @property
    def _quiet_us(self) -> int:
        return self.settings.quiet_seconds * 1_000_000

    def close(self) -> None:
        """Close the open event now (the detector stops, or it went quiet)."""
        event, self.current = self.current, None
        if event is not None and close_event(
            self.ctx, event, post_roll_s=self.settings.post_roll_s
        ):
            self._tell("event_closed", event.id)

    def thumbnail_stored(self, event: OpenEvent, key: str) -> None:
        set_thumbnail(self.ctx, event, key)
        self._tell("event_updated", event.id)

    def _tell(self, what: str, event_id: str) -> None:
        """Tell the sink (the alerts); its failure must never stop detection."""
        sink = self.sink()
        if sink is None:
            return
        try:
            getattr(sink, what)(event_id)
        except Exception:
            log.exception("the event sink failed", extra={"event": event_id, "call": what})
