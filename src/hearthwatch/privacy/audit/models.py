"""Storage models of the privacy engine's own records: the audit log and its checkpoints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hearthwatch.db.base import Base, UTCDateTime
from hearthwatch.db.guards import append_only


class AuditEntry(Base):
    """One step in the tamper-evident audit log (see `privacy.audit`).

    `hash` is SHA-256 over the previous entry's hash and this entry's canonical JSON, so an
    edited, inserted or removed entry breaks every hash after it. The table is append-only:
    database triggers refuse UPDATE and DELETE.
    """

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(80))
    subject_id: Mapped[str | None] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """Where the log was cut when its oldest entries reached the end of their retention: the
    last removed entry's number, hash and time. `audit.verify` starts the chain from the
    newest checkpoint, and an `audit.pruned` entry in the chain names it. Append-only too."""

    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    hash: Mapped[str] = mapped_column(String(64))
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())
    made_at: Mapped[datetime] = mapped_column(UTCDateTime())
    removed: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))


append_only(
    AuditEntry,
    refuse=("UPDATE", "DELETE"),
    message="the audit log is append-only",
    function="audit_log_refuse_change",
    deletable_when="OLD.seq <= (SELECT COALESCE(MAX(seq), 0) FROM audit_checkpoints)",
)
append_only(
    AuditCheckpoint,
    refuse=("UPDATE", "DELETE"),
    message="audit checkpoints are append-only",
    function="audit_checkpoints_refuse_change",
)


class AuditHead(Base):
    """The newest entry's number and hash (one row), so removing the last entries shows too.

    Appending updates this row first, which also serialises appenders: on PostgreSQL it is a
    row lock held to the end of the transaction, on SQLite the database write lock.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))
