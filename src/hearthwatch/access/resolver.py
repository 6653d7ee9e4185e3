"""Who may do what to which device: the single place that answers, deny by default.

Every API route, media URL, WebSocket and (later) automation asks `authorize`. Today a
camera's owner holds every right; share grants, household members and user-approved
support grants join here, and nowhere else. Staff hold no standing right to video (P16).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from hearthwatch.devices.models import Camera
from hearthwatch.errors import NotFound


class Action(StrEnum):
    VIEW = "view"  # see the device and its status
    WATCH_LIVE = "watch_live"
    PLAYBACK = "playback"  # recorded video, snapshots, clips
    CONTROL = "control"  # PTZ, intercom, device commands
    CONFIGURE = "configure"  # rename, recording mode, retention
    UNBIND = "unbind"


OWNER_ACTIONS = frozenset(Action)


def rights(user_id: str, camera: Camera) -> frozenset[Action]:
    """Every action `user_id` may take on `camera` right now."""
    if camera.owner_id == user_id:
        return OWNER_ACTIONS
    return frozenset()


def authorize(session: Session, *, user_id: str, camera_id: str, action: Action) -> Camera:
    """The camera if `user_id` may take `action` on it; otherwise `camera.not_found`.

    Refusals look exactly like a missing camera, so ids cannot be probed.
    """
    camera = session.get(Camera, camera_id)
    if camera is None or action not in rights(user_id, camera):
        raise NotFound("No such camera.", code="camera.not_found")
    return camera
