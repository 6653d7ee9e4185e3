"""Storage of reports that an account belongs to a child under 16 (P4; issue 11, item 10).

    open ──── operator dismisses ──▶ dismissed   (nothing about the account changed)
      │
      └────── operator confirms ───▶ confirmed   (the account is put on hold: a
                                                  `GuardianConsent` with reason "reported")

A report restricts nothing while it is open: the holder is mailed and may answer, and the
operator reads that answer before deciding. The reporter's note is mailed to the operator,
never stored; who decided, and why, is in the audit log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hearthwatch.db.base import Base, UTCDateTime, new_id

OPEN, DISMISSED, CONFIRMED = "open", "dismissed", "confirmed"
MAX_ANSWER = 2000


class ChildReport(Base):
    __tablename__ = "child_reports"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=OPEN)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(String(MAX_ANSWER))  # the holder's own words
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
