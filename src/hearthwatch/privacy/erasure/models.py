"""Storage models of erasure: pending physical deletions and the receipts given out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hearthwatch.db.base import Base, UTCDateTime, new_id


class ErasureJob(Base):
    """Blob objects still to be deleted after an erasure (a durable to-do list).

    Written in the same transaction that removes the index rows, removed once the objects
    are gone; a job left behind by a crash is picked up again at the next start, so an
    interrupted deletion leaves neither orphan rows nor orphan files.
    """

    __tablename__ = "erasure_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(String(32), index=True)
    scope: Mapped[str] = mapped_column(String(16))
    # JSON: {"prefixes": [...], "keys": [...]}
    targets: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ErasureReceipt(Base):
    """A signed erasure receipt, kept so the user can list and download it again."""

    __tablename__ = "erasure_receipts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(32), index=True)
    scope: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    document: Mapped[str] = mapped_column(Text)
