"""Events as the detector stores them, built directly as rows for tests of reading them:
the event list, seen and unseen, the timeline's marks and the pages."""

from __future__ import annotations

import json
from collections.abc import Sequence

from hearthwatch.context import AppContext
from hearthwatch.events.models import CameraDetection, Event, EventZone

SECOND = 1_000_000


def add_event(
    ctx: AppContext,
    owner_id: str,
    camera_id: str,
    start_us: int,
    *,
    length_us: int = 6 * SECOND,
    zones: Sequence[str] = (),
    thumbnail_key: str | None = None,
    pre_roll_us: int = 5 * SECOND,
    post_roll_us: int = 10 * SECOND,
    still_open: bool = False,
    peak_score: float = 0.5,
) -> str:
    """One motion event (with a row per zone hit); returns its id."""
    end = None if still_open else start_us + length_us
    with ctx.db.session() as session:
        event = Event(
            camera_id=camera_id, owner_id=owner_id, start_us=start_us, end_us=end,
            last_active_us=start_us + length_us, peak_score=peak_score,
            zones=json.dumps(list(zones)), thumbnail_key=thumbnail_key,
            span_start_us=start_us - pre_roll_us,
            span_end_us=None if end is None else end + post_roll_us,
        )  # fmt: skip
        session.add(event)
        session.flush()
        for zone in zones:
            session.add(
                EventZone(event_id=event.id, zone_id=zone, camera_id=camera_id, start_us=start_us)
            )
        return event.id


def name_zones(ctx: AppContext, camera_id: str, names: dict[str, str]) -> None:
    """Give the camera detection settings with these zones (id: name), as squares."""
    square = [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.5]]
    zones = [{"id": z, "name": n, "points": square} for z, n in names.items()]
    with ctx.db.session() as session:
        session.merge(
            CameraDetection(
                camera_id=camera_id, zones=json.dumps(zones), updated_at=ctx.clock.now()
            )
        )
