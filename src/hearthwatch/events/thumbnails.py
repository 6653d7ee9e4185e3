"""Event thumbnails: one JPEG per event, sealed in the blob store like the camera's segments.

The key is ``<owner>/<camera>/evt/<event id>.jpg``: under the camera's prefix, so removing the
camera or erasing the account (which delete whole prefixes and destroy the camera's data key)
takes the thumbnails with the video. The picture is masked before it gets here (privacy
masks are applied where the JPEG is made, events/detector.py), so whoever reads it (the event
list, alerts) shows nothing a mask hides.
"""

from __future__ import annotations

from datetime import datetime

from hearthwatch.events.models import Event
from hearthwatch.media.sealed import Binding, SealError, open_sealed, seal
from hearthwatch.media.store import MediaVault, camera_prefix
from hearthwatch.security.datakeys import KeyDestroyed
from hearthwatch.storage.blobs import BlobNotFound


def thumbnail_key(*, owner_id: str, camera_id: str, event_id: str) -> str:
    """Where an event's thumbnail is stored."""
    return f"{camera_prefix(owner_id, camera_id)}evt/{event_id}.jpg"


def store_thumbnail(
    vault: MediaVault,
    *,
    owner_id: str,
    camera_id: str,
    event_id: str,
    jpeg: bytes,
    made_at: datetime | None = None,
) -> str:
    """Seal and store `jpeg` as the event's thumbnail; returns its key (for the event row).
    Raises `KeyDestroyed` when the camera's recordings were erased after `made_at`."""
    key = thumbnail_key(owner_id=owner_id, camera_id=camera_id, event_id=event_id)
    data_key = vault.keys.key_for(owner_id, camera_id, create=True, made_at=made_at)
    vault.blobs.put(key, seal(data_key, Binding(owner_id, camera_id, key), jpeg))
    return key


def read_thumbnail(vault: MediaVault, event: Event) -> bytes | None:
    """The event's thumbnail JPEG, or None: none made (yet), or erased with its camera."""
    key = event.thumbnail_key
    if key is None:
        return None
    try:
        data_key = vault.keys.key_for(event.owner_id, event.camera_id)
        sealed = vault.blobs.get(key)
        return open_sealed(data_key, Binding(event.owner_id, event.camera_id, key), sealed)
    except (KeyDestroyed, BlobNotFound, SealError, KeyError):
        return None
