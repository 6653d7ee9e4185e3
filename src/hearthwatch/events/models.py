"""Storage models of events: each camera's detection settings, events, and who has seen them.

Times of events are microseconds since the Unix epoch (UTC), like the segments they point
into, so an event's span and the recording line up without conversion, and the event list
pages by (`start_us`, `id`) on an index.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hearthwatch.db.base import Base, UTCDateTime, new_id
from hearthwatch.events.motion import DEFAULT_MIN_DURATION_MS

EVENT_MOTION = "motion"


class CameraDetection(Base):
    """How motion is looked for on one camera (a camera without a row has the defaults).

    Zones are JSON: ``[{"id": "z1", "name": "Path", "points": [[x, y], ...]}]`` with x and y
    from 0 to 1 across the picture; no zones means the whole picture (less the camera's
    privacy masks, `Camera.privacy_masks`, which are never analysed).
    """

    __tablename__ = "camera_detection"

    camera_id: Mapped[str] = mapped_column(
        ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    sensitivity: Mapped[int] = mapped_column(Integer, default=60)  # 1 (least) to 100
    min_duration_ms: Mapped[int] = mapped_column(Integer, default=DEFAULT_MIN_DURATION_MS)
    quiet_seconds: Mapped[int] = mapped_column(Integer, default=8)  # an event closes after
    pre_roll_s: Mapped[int] = mapped_column(Integer, default=5)
    post_roll_s: Mapped[int] = mapped_column(Integer, default=10)
    zones: Mapped[str] = mapped_column(Text, default="[]")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Event(Base):
    """Something happened on a camera: from `start_us` until `end_us` (None while open)."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_owner_start", "owner_id", "start_us", "id"),
        Index("ix_events_camera_start", "camera_id", "start_us", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default=EVENT_MOTION)
    start_us: Mapped[int] = mapped_column(BigInteger)
    end_us: Mapped[int | None] = mapped_column(BigInteger)
    last_active_us: Mapped[int] = mapped_column(BigInteger)  # closes `quiet_seconds` after
    peak_score: Mapped[float] = mapped_column(Float, default=0.0)
    zones: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of zone ids hit
    # Sealed in the blob store under the camera's prefix, like its segments (erased with them).
    thumbnail_key: Mapped[str | None] = mapped_column(String(160))
    # The recorded span kept for the event (pre-roll before, post-roll after).
    span_start_us: Mapped[int] = mapped_column(BigInteger)
    span_end_us: Mapped[int | None] = mapped_column(BigInteger)


class EventZone(Base):
    """One zone an event hit: the event list filters by zone on this index."""

    __tablename__ = "event_zones"
    __table_args__ = (Index("ix_event_zones_zone_start", "camera_id", "zone_id", "start_us"),)

    event_id: Mapped[str] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    zone_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    start_us: Mapped[int] = mapped_column(BigInteger)


class EventSeen(Base):
    """A user has seen an event (one started after their `EventSeenMark`)."""

    __tablename__ = "event_seen"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[str] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class EventSeenMark(Base):
    """ "Mark all seen": every event that started at or before `seen_through_us` is seen."""

    __tablename__ = "event_seen_marks"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    seen_through_us: Mapped[int] = mapped_column(BigInteger)
