"""A camera's detection settings: reading them (with the defaults), checking and storing a
change, and the privacy-mode switch (issue 14 items 1 and 4).

Zones and the rest live in `CameraDetection` (a camera without a row has the defaults);
privacy masks live on the camera (`Camera.privacy_masks`), since every image of the camera
obeys them whether or not anything is detected. The recorder reads the settings at each
pass (media/recorder.py), so a change applies within one pass, about 2 s.

Every check below answers a 422 with a stable `detection.*` code, which the zone and mask
editor shows beside the field at fault.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.errors import ValidationFailed
from hearthwatch.events.models import CameraDetection
from hearthwatch.events.motion import DEFAULT_MIN_DURATION_MS, MotionSettings, Zone
from hearthwatch.media.masks import Polygon, parse_polygons

MAX_ZONES = 16
MAX_MASKS = 16
POINTS = (3, 32)
ZONE_ID = re.compile(r"^[a-z0-9-]{1,32}$")
ZONE_NAME_CHARS = (1, 40)
MAX_PRE_ROLL_S = 30
MAX_MIN_DURATION_MS = 60_000
# How far back an event about to open may still reach: its onset (up to the minimum duration
# before it opens) less its pre-roll. Event-only recording keeps every segment this young
# (media/retention.py), so the pre-roll is there when the event opens.
EVENT_REACH_BACK_US = MAX_PRE_ROLL_S * 1_000_000 + MAX_MIN_DURATION_MS * 1000
# (field, lowest, highest, code) of the numeric settings.
LIMITS = (
    ("sensitivity", 1, 100, "detection.sensitivity_invalid"),
    ("min_duration_ms", 0, MAX_MIN_DURATION_MS, "detection.min_duration_invalid"),
    ("quiet_seconds", 2, 300, "detection.quiet_seconds_invalid"),
    ("pre_roll_s", 0, MAX_PRE_ROLL_S, "detection.pre_roll_invalid"),
    ("post_roll_s", 0, 120, "detection.post_roll_invalid"),
)


@dataclass(frozen=True)
class DetectionSettings:
    enabled: bool = True
    sensitivity: int = 60
    min_duration_ms: int = DEFAULT_MIN_DURATION_MS
    quiet_seconds: int = 8
    pre_roll_s: int = 5
    post_roll_s: int = 10
    zones: tuple[Zone, ...] = ()
    masks: tuple[Polygon, ...] = ()

    def motion(self) -> MotionSettings:
        """What the motion analyser needs of these."""
        return MotionSettings(self.sensitivity, self.min_duration_ms, self.zones, self.masks)


DEFAULTS = DetectionSettings()


def settings_of(session: Session, camera: Camera) -> DetectionSettings:
    """The camera's settings (the defaults where it has no row), with its masks."""
    row = session.get(CameraDetection, camera.id)
    return _from_row(row, camera.privacy_masks)


def settings_of_all(session: Session, cameras: Iterable[Camera]) -> dict[str, DetectionSettings]:
    """`settings_of` for many cameras in one query (the recorder's pass)."""
    chosen = {camera.id: camera for camera in cameras}
    rows = {
        row.camera_id: row
        for row in session.scalars(
            select(CameraDetection).where(CameraDetection.camera_id.in_(chosen))
        )
    }
    return {cid: _from_row(rows.get(cid), c.privacy_masks) for cid, c in chosen.items()}


def _from_row(row: CameraDetection | None, masks_text: str) -> DetectionSettings:
    masks = parse_polygons(masks_text)
    if row is None:
        return replace(DEFAULTS, masks=masks)
    return DetectionSettings(
        enabled=row.enabled,
        sensitivity=row.sensitivity,
        min_duration_ms=row.min_duration_ms,
        quiet_seconds=row.quiet_seconds,
        pre_roll_s=row.pre_roll_s,
        post_roll_s=row.post_roll_s,
        zones=_zones(row.zones),
        masks=masks,
    )


def _zones(text: str) -> tuple[Zone, ...]:
    try:
        raw: Any = json.loads(text or "[]")
    except ValueError:
        return ()
    zones = []
    for item in raw if isinstance(raw, list) else []:
        points = parse_polygons(json.dumps([item.get("points")])) if isinstance(item, dict) else ()
        if points:
            zones.append(Zone(str(item.get("id", "")), str(item.get("name", "")), points[0]))
    return tuple(zones)


def change_settings(
    ctx: AppContext, session: Session, camera: Camera, changes: dict[str, Any]
) -> DetectionSettings:
    """Check and store a change; fields left out keep their value. `zones` is a list of
    ``{"id", "name", "points"}``, `masks` a list of point lists (see the module's limits)."""
    current = settings_of(session, camera)
    numbers = {name: _number(changes, name, low, high, code) for name, low, high, code in LIMITS}
    zones = _checked_zones(changes["zones"]) if changes.get("zones") is not None else None
    masks = _checked_masks(changes["masks"]) if changes.get("masks") is not None else None
    row = session.get(CameraDetection, camera.id)
    if row is None:
        row = _new_row(camera.id, current)
        session.add(row)
    for name, value in numbers.items():
        if value is not None:
            setattr(row, name, value)
    if changes.get("enabled") is not None:
        row.enabled = bool(changes["enabled"])
    if zones is not None:
        row.zones = json.dumps(zones)
    if masks is not None:
        camera.privacy_masks = json.dumps(masks)
    row.updated_at = ctx.clock.now()
    session.flush()
    return settings_of(session, camera)


def _new_row(camera_id: str, values: DetectionSettings) -> CameraDetection:
    return CameraDetection(
        camera_id=camera_id,
        enabled=values.enabled,
        sensitivity=values.sensitivity,
        min_duration_ms=values.min_duration_ms,
        quiet_seconds=values.quiet_seconds,
        pre_roll_s=values.pre_roll_s,
        post_roll_s=values.post_roll_s,
        zones="[]",
    )


def _number(changes: dict[str, Any], name: str, low: int, high: int, code: str) -> int | None:
    value = changes.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationFailed(
            f"{name} must be a whole number from {low} to {high}.",
            code=code,
            details={"field": name, "min": low, "max": high},
        )
    return value


def _checked_zones(zones: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(zones) > MAX_ZONES:
        raise ValidationFailed(
            f"At most {MAX_ZONES} zones.",
            code="detection.too_many_zones",
            details={"field": "zones"},
        )
    seen: set[str] = set()
    checked = []
    for index, zone in enumerate(zones):
        where = f"zones.{index}"
        zone_id, name = str(zone.get("id", "")), str(zone.get("name", "")).strip()
        if not ZONE_ID.match(zone_id):
            raise ValidationFailed(
                "A zone's id is 1 to 32 lower-case letters, digits or dashes.",
                code="detection.zone_id_invalid",
                details={"field": f"{where}.id"},
            )
        if zone_id in seen:
            raise ValidationFailed(
                "Two zones have the same id.",
                code="detection.zone_id_duplicate",
                details={"field": f"{where}.id"},
            )
        seen.add(zone_id)
        if not ZONE_NAME_CHARS[0] <= len(name) <= ZONE_NAME_CHARS[1]:
            raise ValidationFailed(
                "A zone's name is 1 to 40 characters.",
                code="detection.zone_name_invalid",
                details={"field": f"{where}.name"},
            )
        points = _checked_points(zone.get("points"), f"{where}.points")
        checked.append({"id": zone_id, "name": name, "points": points})
    return checked


def _checked_masks(masks: list[Any]) -> list[list[list[float]]]:
    if len(masks) > MAX_MASKS:
        raise ValidationFailed(
            f"At most {MAX_MASKS} privacy masks.",
            code="detection.too_many_masks",
            details={"field": "masks"},
        )
    return [_checked_points(mask, f"masks.{index}") for index, mask in enumerate(masks)]


def _checked_points(points: Any, where: str) -> list[list[float]]:
    """3 to 32 points, each [x, y] with both from 0 to 1."""
    problem = ValidationFailed(
        f"A shape is {POINTS[0]} to {POINTS[1]} points, each [x, y] from 0 to 1.",
        code="detection.polygon_invalid",
        details={"field": where},
    )
    if not isinstance(points, list) or not POINTS[0] <= len(points) <= POINTS[1]:
        raise problem
    checked = []
    for point in points:
        if not isinstance(point, list | tuple) or len(point) != 2:
            raise problem
        if not all(_unit(value) for value in point):
            raise problem
        checked.append([float(point[0]), float(point[1])])
    return checked


def _unit(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1


def set_privacy_mode(session: Session, camera: Camera, on: bool) -> Camera:
    """Switch privacy mode: while on, the recorder runs nothing for the camera (no analysis,
    no recording) and live view is refused; it resumes within a pass once off."""
    camera.privacy_mode = on
    session.flush()
    return camera
