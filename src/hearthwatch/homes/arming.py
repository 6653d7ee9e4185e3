"""Arming: whether a camera alerts in its home's current mode (Home, Away, Night, Off).

Until the arming work lands, every camera alerts (the behaviour before homes existed)."""

from __future__ import annotations

from sqlalchemy.orm import Session


def camera_alerts(db: Session, camera_id: str) -> bool:
    """Whether `camera_id` alerts in its home's current arming mode."""
    del db, camera_id
    return True
