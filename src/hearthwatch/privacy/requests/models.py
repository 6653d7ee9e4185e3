"""Storage models of rights requests and complaints, and the steps each went through."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hearthwatch.db.base import Base, UTCDateTime, new_id


class RightsRequest(Base):
    """A request about a person's data (or a complaint), tracked to its deadline.

    A complaint from someone without an account has no `user_id`; the address they proved
    with a mailed code (and the name they gave, if any) stands in for the account."""

    __tablename__ = "rights_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    complainant_email: Mapped[str | None] = mapped_column(String(254))
    complainant_name: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(24), index=True)
    details: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    extended_months: Mapped[int] = mapped_column(Integer, default=0)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    fee_cents: Mapped[int | None] = mapped_column(Integer)
    fee_reason: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    repeat_of: Mapped[str | None] = mapped_column(String(32))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RequestStep(Base):
    """One change of a request's state, shown to the person and the operator."""

    __tablename__ = "rights_request_steps"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("rights_requests.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(24))
    by: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class PendingComplaint(Base):
    """A complaint from someone without an account, waiting for the code mailed to the
    address they gave; it becomes a `RightsRequest` once the code is entered, and goes
    unregistered when it is not (the retention sweep deletes what is left)."""

    __tablename__ = "pending_complaints"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str | None] = mapped_column(String(128))
    details: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    code_hash: Mapped[str] = mapped_column(String(64))
    code_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
