"""Storage of guardian consent for accounts of children under 16 (P4)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hearthwatch.db.base import Base, UTCDateTime, new_id
from hearthwatch.security.sealed_columns import Sealed


class GuardianConsent(Base):
    """One account's wait for (and record of) a parent's or guardian's consent.

    While `decision` is empty the account is on hold: it cannot sign in, and at `deadline_at`
    it is deleted with everything it holds. A confirmed row stays as the proof of consent.
    """

    __tablename__ = "guardian_consents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    reason: Mapped[str] = mapped_column(String(16))  # "sign_up" or "reported"
    # Sealed with the child's account key (P38, security/sealed_columns.py).
    _guardian_email: Mapped[bytes | None] = mapped_column("guardian_email", LargeBinary)
    _guardian_name: Mapped[bytes | None] = mapped_column("guardian_name", LargeBinary)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision: Mapped[str | None] = mapped_column(String(16))  # "confirmed" or "adult"

    guardian_email = Sealed[str | None](
        "_guardian_email", column="guardian_consents.guardian_email", owner="user_id"
    )
    guardian_name = Sealed[str | None](
        "_guardian_name", column="guardian_consents.guardian_name", owner="user_id"
    )
