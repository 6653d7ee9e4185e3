""" "Report a child's account" (P4): anyone may say an account belongs to a child under 16.

The answer to the reporter never depends on whether the address has an account. A found
account without consent on record is put on hold at once (every session and API token
ends), its holder is told how a guardian can consent or how to show they are 16+, and it is
deleted when the short deadline passes unresolved. The operator is mailed every report.

The mails are handed back for the caller to send after answering, so the time an answer
takes does not depend on how many mails a report causes (one more for a found account).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.accounts.recovery import end_all_sessions
from hearthwatch.accounts.registration import find_user_by_email
from hearthwatch.context import AppContext
from hearthwatch.mail.messages import OutgoingMail
from hearthwatch.privacy import audit, minors, minors_mail
from hearthwatch.privacy.masking import mask_email
from hearthwatch.privacy.minors_models import GuardianConsent

MAX_NOTE = 1000


def report_child(
    ctx: AppContext, db: Session, *, email: str, note: str | None
) -> list[OutgoingMail]:
    """Act on a report; the mails to send come back, never what was found."""
    user = find_user_by_email(db, email)
    mails: list[OutgoingMail] = []
    deadline: datetime | None = None
    if user is None:
        outcome = "no account uses this address; nothing changed"
    else:
        outcome, deadline = _hold_reported(ctx, db, user, mails)
    operator = ctx.settings.privacy_operator_email
    if operator:
        mails.append(
            minors_mail.operator_report(
                operator, account=mask_email(email), outcome=outcome, note=note, deadline=deadline
            )
        )
    return mails


def send_all(ctx: AppContext, mails: list[OutgoingMail]) -> None:
    """Send a report's mails (run after the answer has gone out)."""
    for mail in mails:
        ctx.mailer.send(mail)


def _hold_reported(
    ctx: AppContext, db: Session, user: User, mails: list[OutgoingMail]
) -> tuple[str, datetime | None]:
    existing = db.scalars(select(GuardianConsent).where(GuardianConsent.user_id == user.id)).first()
    if existing is not None and existing.decision is not None:
        return f"account {user.id} has {existing.decision} on record; nothing changed", None
    if existing is not None:
        return f"account {user.id} already waits for consent", existing.deadline_at
    consent = _suspend(ctx, db, user, mails)
    return f"account {user.id} was put on hold", consent.deadline_at


def _suspend(
    ctx: AppContext, db: Session, user: User, mails: list[OutgoingMail]
) -> GuardianConsent:
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
    mails.append(
        minors_mail.account_reported(
            user.email,
            link=minors.link_for(ctx, consent, minors.HOLDER),
            deadline=consent.deadline_at,
            operator=ctx.settings.privacy_operator_email,
        )
    )
    return consent
