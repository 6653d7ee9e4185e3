"""Storage model of "Download my data" exports: one durable row per requested archive.

    queued ──▶ building ──▶ ready ──▶ downloaded
                  │           └─────▶ expired
                  └─▶ failed

The archive itself is a file in the data directory (`exports/<id>.zip`, owner-only); the row
only says where the job is, how far it got, and until when the download link works.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hearthwatch.db.base import Base, UTCDateTime, new_id

QUEUED = "queued"
BUILDING = "building"
READY = "ready"
DOWNLOADED = "downloaded"
EXPIRED = "expired"
FAILED = "failed"
ACTIVE_STATES = frozenset({QUEUED, BUILDING})


class DataExport(Base):
    __tablename__ = "data_exports"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=QUEUED)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    objects_done: Mapped[int] = mapped_column(Integer, default=0)
    objects_total: Mapped[int] = mapped_column(Integer, default=0)
    bytes_done: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_total: Mapped[int] = mapped_column(BigInteger, default=0)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    error_code: Mapped[str | None] = mapped_column(String(64))
