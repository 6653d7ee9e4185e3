""" "Report a child's account" (P4): anyone may say an account belongs to a child under 16.

The answer to the reporter never depends on whether the address has an account. A found
account without consent on record is put on hold at once (every session and API token
ends), its holder is told how a guardian can consent or how to show they are 16+, and it is
deleted when the short deadline passes unresolved. The operator is mailed every report.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.accounts.recovery import end_all_sessions
from hearthwatch.accounts.registration import find_user_by_email
from hearthwatch.context import AppContext
from hearthwatch.privacy import audit, minors, minors_mail
from hearthwatch.privacy.masking import mask_email
from hearthwatch.privacy.minors_models import GuardianConsent

MAX_NOTE = 1000


def report_child(ctx: AppContext, db: Session, *, email: str, note: str | None) -> None:
    """Act on a report; returns nothing, so no caller can tell what it found."""
    user = find_user_by_email(db, email)
    deadline: datetime | None = None
    if user is None:
        outcome = "no account uses this address; nothing changed"
    else:
        outcome, deadline = _hold_reported(ctx, db, user)
    operator = ctx.settings.privacy_operator_email
    if operator:
        ctx.mailer.send(
            minors_mail.operator_report(
                operator, account=mask_email(email), outcome=outcome, note=note, deadline=deadline
            )
        )


def _hold_reported(ctx: AppContext, db: Session, user: User) -> tuple[str, datetime | None]:
    existing = db.scalars(select(GuardianConsent).where(GuardianConsent.user_id == user.id)).first()
    if existing is not None and existing.decision is not None:
        return f"account {user.id} has {existing.decision} on record; nothing changed", None
    if existing is not None:
        return f"account {user.id} already waits for consent", existing.deadline_at
    consent = _suspend(ctx, db, user)
    return f"account {user.id} was put on hold", consent.deadline_at


def _suspend(ctx: AppContext, db: Session, user: User) -> GuardianConsent:
    now = ctx.clock.now()
    consent = GuardianConsent(
        user_id=user.id,
        reason=minors.REPORTED,
        requested_at=now,
        deadline_at=now + timedelta(days=ctx.settings.reported_child_days),
    )
    db.add(consent)
    db.flush()
    end_all_sessions(ctx, db, user_id=user.id, include_tokens=True)
    audit.record(
        db,
        at=now,
        actor=audit.SYSTEM,
        action="minors.account_reported",
        subject_id=user.id,
        details={"deadline_at": consent.deadline_at.isoformat()},
    )
    ctx.mailer.send(
        minors_mail.account_reported(
            user.email,
            link=minors.link_for(ctx, consent, minors.HOLDER),
            deadline=consent.deadline_at,
            operator=ctx.settings.privacy_operator_email,
        )
    )
    return consent
