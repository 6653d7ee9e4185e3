"""Camera settings and unbinding."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.media.models import Segment
from hearthwatch.media.store import camera_prefix


def list_cameras(session: Session, *, user_id: str) -> list[Camera]:
    return list(
        session.scalars(
            select(Camera).where(Camera.owner_id == user_id).order_by(Camera.activated_at)
        )
    )


def update_camera(ctx: AppContext, camera: Camera, changes: dict[str, Any]) -> Camera:
    """Rename, switch recording, set retention; `None` for a retention field clears it."""
    for field in ("name", "recording_mode"):
        if changes.get(field) is not None:
            setattr(camera, field, changes[field])
    for field in ("retention_days", "retention_bytes"):
        if field in changes:
            setattr(camera, field, changes[field])
    return camera


def unbind_camera(ctx: AppContext, session: Session, camera: Camera) -> None:
    """Unbind and erase the camera's recordings: its key is destroyed first, so every copy
    of its video is unreadable at once; then the files and the index go."""
    owner_id, camera_id = camera.owner_id, camera.id
    ctx.vault.keys.destroy_device(owner_id, camera_id)
    session.execute(delete(Segment).where(Segment.camera_id == camera_id))
    session.delete(camera)
    session.flush()
    ctx.vault.blobs.delete_prefix(camera_prefix(owner_id, camera_id))
