"""The operator's view of accounts held for a guardian's consent (P4, item 14).

The API (`/api/v1/privacy/operator/minors`) and the web page (`/operator/minors`) read and
clear holds through here, with the same `minors` functions as `hearthwatch privacy minors`
(list, clear), so each is audited the same way. People are shown by
masked address only (P45): the holder and the guardian. Clearing a hold as "shown to be 16
or older" needs a reason, which goes into the audit entry (`minors.shown_adult`) with any
address in it masked.

A report of a child's account becomes a hold (`reason` "reported") only once an operator
confirms it after reading the holder's answer (`minors_review`); the reporter's note is
mailed to the privacy operator and never stored, so it cannot be listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from hearthwatch.accounts.emails import emails_by_id
from hearthwatch.context import AppContext
from hearthwatch.privacy.minors import service as minors
from hearthwatch.security.masking import mask_email

MAX_REASON = 500
REASONS = (minors.SIGN_UP, minors.REPORTED)


@dataclass(frozen=True)
class HeldAccount:
    """One account on hold, as an operator sees it."""

    account_id: str
    account: str  # the holder's address, masked
    reason: str  # "sign_up" (under 16 at sign-up) or "reported"
    guardian: str | None  # the guardian's address, masked; None until one is named
    requested_at: datetime
    deadline_at: datetime  # deleted then unless a guardian consents or the hold is cleared


def held_accounts(db: Session, *, reason: str | None = None) -> list[HeldAccount]:
    """Every account on hold (or those held for `reason`), soonest deadline first."""
    held = [c for c in minors.pending(db) if reason is None or c.reason == reason]
    ids = {c.user_id for c in held}
    emails = emails_by_id(db, ids)
    return [
        HeldAccount(
            account_id=c.user_id,
            account=mask_email(emails.get(c.user_id, "")) or "(deleted)",
            reason=c.reason,
            guardian=mask_email(c.guardian_email) if c.guardian_email else None,
            requested_at=c.requested_at,
            deadline_at=c.deadline_at,
        )
        for c in held
    ]


def clear(ctx: AppContext, db: Session, *, account_id: str, operator: str, reason: str) -> None:
    """Lift the hold: the holder showed they are 16 or older (audited with the reason)."""
    minors.clear_as_adult(ctx, db, user_id=account_id, operator=operator, note=reason)
