"""Whether an account waits for a guardian's consent (P4); read by sign-in, kept light."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.errors import PermissionDenied
from hearthwatch.privacy.minors.models import GuardianConsent

PENDING_MESSAGE = (
    "This account is waiting for a parent's or guardian's consent. We mailed them a link: "
    "once they agree, you can sign in. Without consent the account is deleted."
)


def on_hold(session: Session, user_id: str) -> bool:
    """True while the account has an undecided guardian-consent record."""
    query = select(GuardianConsent.id).where(
        GuardianConsent.user_id == user_id, GuardianConsent.decision.is_(None)
    )
    return session.scalars(query).first() is not None


def require_not_on_hold(session: Session, user_id: str) -> None:
    """Refuse to sign in an account that waits for consent, with a stable code."""
    if on_hold(session, user_id):
        raise PermissionDenied(PENDING_MESSAGE, code="auth.guardian_consent_pending")
