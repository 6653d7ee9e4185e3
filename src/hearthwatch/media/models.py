"""Storage models of recordings: the index of encrypted segments."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hearthwatch.db.base import Base


class Segment(Base):
    """About four seconds of one camera's video, sealed in the blob store under `blob_key`.

    Times are microseconds since the Unix epoch (UTC), as the recorder's clock saw them,
    so a camera whose own clock jumps cannot corrupt the index.
    """

    __tablename__ = "segments"
    __table_args__ = (Index("ix_segments_camera_start", "camera_id", "start_us"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    owner_id: Mapped[str] = mapped_column(String(32), index=True)
    start_us: Mapped[int] = mapped_column(BigInteger)
    end_us: Mapped[int] = mapped_column(BigInteger)
    bytes: Mapped[int] = mapped_column(BigInteger)
    frames: Mapped[int] = mapped_column(Integer)
    blob_key: Mapped[str] = mapped_column(String(160))
