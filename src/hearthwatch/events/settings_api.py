"""The API of a camera's detection settings: zones, masks, sensitivity, privacy mode.

    GET /cameras/{camera_id}/detection           the settings (defaults until changed)
    PUT /cameras/{camera_id}/detection           change them (fields left out are kept)
    PUT /cameras/{camera_id}/privacy-mode        {"on": true|false}

Reading needs the right to view the camera, changing the right to configure it (the one
resolver, `authorized`); a stranger's camera is the same 404 as a missing one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from hearthwatch.access.resolver import Action, Kind
from hearthwatch.api.deps import ContextDep, DbDep, authorized
from hearthwatch.devices.models import Camera
from hearthwatch.events import detection
from hearthwatch.events.detection_schemas import (
    DetectionChange,
    DetectionPublic,
    PrivacyModeChange,
    PrivacyModePublic,
)

router = APIRouter(prefix="/cameras", tags=["detection"])

ViewableCamera = Annotated[Camera, authorized(Kind.CAMERA, Action.VIEW, param="camera_id")]
ConfigurableCamera = Annotated[Camera, authorized(Kind.CAMERA, Action.CONFIGURE, param="camera_id")]


@router.get("/{camera_id}/detection", response_model=DetectionPublic)
def read_detection(camera: ViewableCamera, db: DbDep) -> DetectionPublic:
    """The camera's motion detection settings and privacy masks."""
    settings = detection.settings_of(db, camera)
    return DetectionPublic.of(settings, privacy_mode=camera.privacy_mode)


@router.put("/{camera_id}/detection", response_model=DetectionPublic)
def change_detection(
    camera: ConfigurableCamera, body: DetectionChange, db: DbDep, ctx: ContextDep
) -> DetectionPublic:
    """Change the settings (the recorder applies them within seconds); each value out of
    range is a 422 with its own `detection.*` code."""
    changes = body.model_dump(exclude_unset=True)
    settings = detection.change_settings(ctx, db, camera, changes)
    return DetectionPublic.of(settings, privacy_mode=camera.privacy_mode)


@router.put("/{camera_id}/privacy-mode", response_model=PrivacyModePublic)
def change_privacy_mode(
    camera: ConfigurableCamera, body: PrivacyModeChange, db: DbDep
) -> PrivacyModePublic:
    """Privacy mode on: no analysis, no recording and no live view until it is switched off
    (the recorder follows within seconds; open events close)."""
    detection.set_privacy_mode(db, camera, body.on)
    return PrivacyModePublic(on=camera.privacy_mode)
