"""Storage models of consent and the privacy notice.

consent_ledger       every grant and withdrawal, one row each, never updated (P24, P30)
privacy_notices      each published version of the privacy notice, with its content (P48)
notice_acceptances   who accepted which version, when
analytics_page_views first-party page-view counts per day and site section: aggregated,
                     nothing about a person (P29, P44)
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hearthwatch.db.base import Base, UTCDateTime
from hearthwatch.db.guards import append_only

_SEQ = BigInteger().with_variant(Integer, "sqlite")


class ConsentRecord(Base):
    """One consent decision. The newest row per (person, purpose) is the state in force;
    older rows stay as the record of what was lawful when. A database trigger refuses
    UPDATE; rows go only with the account (erasure)."""

    __tablename__ = "consent_ledger"
    __table_args__ = (
        Index("ix_consent_ledger_user_purpose", "user_id", "purpose", "id"),
        Index("ix_consent_ledger_visitor_purpose", "visitor_id", "purpose", "id"),
    )

    id: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    visitor_id: Mapped[str | None] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(40))
    granted: Mapped[bool] = mapped_column(Boolean)
    notice_version: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))


# Deleting stays possible: an erased account takes its consent rows with it.
append_only(
    ConsentRecord,
    refuse=("UPDATE",),
    message="the consent ledger is append-only",
    function="consent_ledger_refuse_update",
)


class NoticeVersion(Base):
    """A published privacy notice: its generated content, digest and dates."""

    __tablename__ = "privacy_notices"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime())
    digest: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    changes: Mapped[str] = mapped_column(Text)
    requires_acceptance: Mapped[bool] = mapped_column(Boolean)


class NoticeAcceptance(Base):
    """A person accepted a version of the notice (and with it every earlier one)."""

    __tablename__ = "notice_acceptances"

    id: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(ForeignKey("privacy_notices.number"))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PageViewCount(Base):
    """Page views and visits per day and site section, counted only with analytics consent."""

    __tablename__ = "analytics_page_views"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    section: Mapped[str] = mapped_column(String(40), primary_key=True)
    views: Mapped[int] = mapped_column(Integer, default=0)
    visits: Mapped[int] = mapped_column(Integer, default=0)
