"""The operator's review of reports that an account belongs to a child (P4; issue 11, item 10).

The API (`/api/v1/privacy/operator/minors/reports`), the web page (`/operator/minors`) and
`hearthwatch privacy minors reports|dismiss|confirm` all go through here. An open report
shows the holder's answer, if any; the operator then dismisses it (the holder is told;
nothing about the account changed) or confirms it, which starts the hold: the account
cannot sign in and is deleted at the deadline unless a guardian consents or the holder
shows they are 16+ (`minors.clear_as_adult`). Each decision is audited with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.errors import NotFound
from hearthwatch.mail.messages import OutgoingMail
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.minors import mail as minors_mail
from hearthwatch.privacy.minors import report as minors_report
from hearthwatch.privacy.minors.models import GuardianConsent
from hearthwatch.privacy.minors.report_models import CONFIRMED, DISMISSED, OPEN, ChildReport
from hearthwatch.security.masking import mask_email

MAX_REASON = 500


@dataclass(frozen=True)
class ReportToReview:
    """An open report, as an operator sees it: the holder masked (P45), their answer whole."""

    report_id: str
    account_id: str
    account: str
    reported_at: datetime
    answer: str | None
    answered_at: datetime | None


def open_reports(db: Session) -> list[ReportToReview]:
    """Reports waiting for review, oldest first."""
    query = select(ChildReport).where(ChildReport.state == OPEN).order_by(ChildReport.reported_at)
    return [_shown(db, report) for report in db.scalars(query)]


def _shown(db: Session, report: ChildReport) -> ReportToReview:
    user = db.get(User, report.user_id)
    return ReportToReview(
        report_id=report.id,
        account_id=report.user_id,
        account=mask_email(user.email) if user else "(deleted)",
        reported_at=report.reported_at,
        answer=report.answer,
        answered_at=report.answered_at,
    )


def dismiss(
    ctx: AppContext, db: Session, *, report_id: str, operator: str, reason: str
) -> list[OutgoingMail]:
    """The report does not hold up: it ends, and the holder is told (mail to send)."""
    report, user = _open(db, report_id)
    _decide(ctx, db, report, DISMISSED, operator, reason)
    return [minors_mail.report_dismissed(user.email)]


def confirm(
    ctx: AppContext, db: Session, *, report_id: str, operator: str, reason: str
) -> list[OutgoingMail]:
    """The account is a child's: put it on hold until a guardian consents (mails to send).
    An account already waiting for consent, or with a decision on record, stays as it is."""
    report, user = _open(db, report_id)
    _decide(ctx, db, report, CONFIRMED, operator, reason)
    consent = db.scalars(select(GuardianConsent).where(GuardianConsent.user_id == user.id))
    if consent.first() is not None:
        return []
    return minors_report.hold_reported(ctx, db, user)


def _open(db: Session, report_id: str) -> tuple[ChildReport, User]:
    report = db.get(ChildReport, report_id)
    user = db.get(User, report.user_id) if report else None
    if report is None or report.state != OPEN or user is None:
        raise NotFound("No open report with that id.", code="minors.report_not_open")
    return report, user


def _decide(
    ctx: AppContext, db: Session, report: ChildReport, state: str, operator: str, reason: str
) -> None:
    report.state, report.decided_at = state, ctx.clock.now()
    minors_report.audit_report(
        db, ctx, report, f"minors.report_{state}",
        actor=audit.actor_operator(operator), reason=reason,
    )  # fmt: skip
