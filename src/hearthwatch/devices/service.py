"""Camera settings and unbinding."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from hearthwatch.access.principal import owner
from hearthwatch.access.resolver import visible_cameras
from hearthwatch.context import AppContext
from hearthwatch.devices.binding import change_connection
from hearthwatch.devices.models import Camera
from hearthwatch.devices.streams import release_stream
from hearthwatch.media.models import Segment
from hearthwatch.media.store import camera_prefix


def list_cameras(session: Session, *, user_id: str) -> list[Camera]:
    """Every camera the account may see, as the permission resolver decides for lists."""
    return visible_cameras(session, owner(user_id))


def update_camera(
    ctx: AppContext, session: Session, camera: Camera, changes: dict[str, Any]
) -> Camera:
    """Rename, switch recording or privacy mode, set retention (`None` for a retention field
    clears it), change the address, credentials or transport (looked at first unless
    `save_offline`); the recorder follows within seconds."""
    connection = {k: changes.get(k) for k in ("url", "username", "password", "sub_url")}
    connection["transport"] = changes.get("rtsp_transport")
    if any(value is not None for value in connection.values()):
        # First: it looks at the new connection and may refuse (unless saved offline).
        save_offline = bool(changes.get("save_offline"))
        change_connection(ctx, session, camera, **connection, save_offline=save_offline)
    for field in ("name", "recording_mode", "privacy_mode"):
        if changes.get(field) is not None:
            setattr(camera, field, changes[field])
    for field in ("retention_days", "retention_bytes"):
        if field in changes:
            setattr(camera, field, changes[field])
    return camera


def unbind_camera(ctx: AppContext, session: Session, camera: Camera) -> None:
    """Unbind and erase the camera's recordings: its recording stops first (no segment may
    land after its rows and files are gone), then its key is destroyed, so every copy of its
    video is unreadable at once; then the files, the index and its hold on the stream go."""
    owner_id, camera_id = camera.owner_id, camera.id
    keys = (camera.stream_key, camera.sub_stream_key)
    if ctx.recorder is not None:
        ctx.recorder.forget(camera_id)
    ctx.vault.keys.destroy_device(owner_id, camera_id)
    session.execute(delete(Segment).where(Segment.camera_id == camera_id))
    session.delete(camera)
    session.flush()
    for key in keys:
        release_stream(session, owner_id=owner_id, key=key)
    ctx.vault.blobs.delete_prefix(camera_prefix(owner_id, camera_id))
