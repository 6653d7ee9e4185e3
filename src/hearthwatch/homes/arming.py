"""Arming: whether a camera alerts in its home's current mode (Home, Away, Night, Off).

The alert dispatcher (`notify/`) asks `camera_alerts` before alerting anyone about an event.
A camera belongs to its owner's home. An account without a home yet is as a new home would
be: Away, where every camera alerts (what happened before homes existed). Nothing is written
here: the dispatcher only reads.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.devices.models import Camera
from hearthwatch.homes.models import FIRST_MODE, MODE_DEFAULTS, Home, HomeModeCamera


def camera_alerts(db: Session, camera_id: str) -> bool:
    """Whether `camera_id` alerts in its home's current arming mode (False if it is gone)."""
    owner_id = db.scalar(select(Camera.owner_id).where(Camera.id == camera_id))
    if owner_id is None:
        return False
    home = db.execute(select(Home.id, Home.arming_mode).where(Home.owner_id == owner_id)).first()
    if home is None:
        return MODE_DEFAULTS[FIRST_MODE]
    chosen = db.scalar(
        select(HomeModeCamera.alerts).where(
            HomeModeCamera.home_id == home.id,
            HomeModeCamera.mode == home.arming_mode,
            HomeModeCamera.camera_id == camera_id,
        )
    )
    return MODE_DEFAULTS.get(home.arming_mode, False) if chosen is None else bool(chosen)
