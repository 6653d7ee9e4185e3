"""Sealed segments in the blob store, and their index in the database.

A segment's blob key is ``<owner>/<camera>/seg/<start µs>-<random>.mp4``, so one camera's or
one account's media sits under one prefix and can be removed at once; the key is also the
object id bound into the seal.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hearthwatch.db import Database
from hearthwatch.media.models import Segment
from hearthwatch.media.sealed import Binding, open_sealed, seal
from hearthwatch.media.segmenter import FinishedSegment
from hearthwatch.security.datakeys import DataKeys, KeyDestroyed
from hearthwatch.storage.blobs import BlobStore

log = logging.getLogger("hearthwatch.recorder")
_INSERT_SEGMENT = insert(Segment)


def camera_prefix(owner_id: str, camera_id: str) -> str:
    return f"{owner_id}/{camera_id}/"


@dataclass
class MediaVault:
    """Seals, stores, indexes and reads back recorded media."""

    db: Database
    blobs: BlobStore
    keys: DataKeys

    def store_segment(self, *, owner_id: str, camera_id: str, segment: FinishedSegment) -> None:
        key = (
            f"{camera_prefix(owner_id, camera_id)}seg/{segment.start_us}-{secrets.token_hex(4)}.mp4"
        )
        made_at = datetime.fromtimestamp(segment.start_us / 1_000_000, UTC)
        try:
            data_key = self.keys.key_for(owner_id, camera_id, create=True, made_at=made_at)
        except KeyDestroyed:
            return  # the camera's recordings were erased while this segment was being cut
        sealed = seal(data_key, Binding(owner_id, camera_id, key), segment.data)
        self.blobs.put(key, sealed)
        row = {
            "camera_id": camera_id, "owner_id": owner_id, "start_us": segment.start_us,
            "end_us": segment.end_us, "bytes": len(sealed), "frames": segment.frames,
            "blob_key": key,
        }  # fmt: skip
        try:
            # A Core insert: every camera indexes a segment every few seconds, and the ORM's
            # unit of work would cost more than the insert itself.
            with self.db.engine.begin() as connection:
                connection.execute(_INSERT_SEGMENT, row)
        except Exception:
            # Not indexed (the camera was removed meanwhile, or the database failed): the
            # object would be an orphan nobody can find, list or erase, so it goes too.
            self.blobs.delete_many([key])
            raise

    def read_segment(self, segment: Segment) -> bytes:
        """The segment's plaintext fMP4 (init segment + fragment)."""
        data_key = self.keys.key_for(segment.owner_id, segment.camera_id)
        sealed = self.blobs.get(segment.blob_key)
        return open_sealed(
            data_key, Binding(segment.owner_id, segment.camera_id, segment.blob_key), sealed
        )

    @staticmethod
    def segments_between(
        session: Session, camera_id: str, start_us: int, end_us: int
    ) -> list[Segment]:
        """Segments overlapping [start, end), oldest first."""
        return list(
            session.scalars(
                select(Segment)
                .where(
                    Segment.camera_id == camera_id,
                    Segment.start_us < end_us,
                    Segment.end_us > start_us,
                )
                .order_by(Segment.start_us)
            )
        )


@dataclass(frozen=True)
class SegmentWriter:
    """Stores one camera's finished segments, losing one to a hiccup, never the ingest."""

    vault: MediaVault
    owner_id: str
    camera_id: str

    def __call__(self, segment: FinishedSegment) -> None:
        try:
            self.vault.store_segment(
                owner_id=self.owner_id, camera_id=self.camera_id, segment=segment
            )
        except IntegrityError:
            # The camera was removed by another node (this one stops its ingest first): its
            # last segment has nowhere to go, and the store already took its file back.
            log.info("segment of a removed camera dropped", extra={"camera": self.camera_id})
        except Exception:  # a storage hiccup loses one segment, never the ingest
            log.exception("storing a segment failed", extra={"camera": self.camera_id})
