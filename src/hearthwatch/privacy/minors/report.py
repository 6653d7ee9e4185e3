""" "Report a child's account" (P4): anyone may say an account belongs to a child under 16.

A report restricts nothing by itself, or anyone could lock any adult out by naming their
address (issue 11, item 10). A found account without a guardian's decision on record gets
a `ChildReport` waiting for an operator's review; its holder is mailed at once with a
signed link to answer, and the operator reads that answer before deciding
(`minors_review`). Only a confirmation puts the account on hold (`hold_reported`): every
session and API token ends, the holder is told how a guardian can consent or how to show
they are 16+, and the account is deleted when the short deadline passes unresolved.

The answer to the reporter never depends on whether the address has an account, and the
mails are handed back for the caller to send after answering, so neither does its timing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.accounts.recovery import end_all_sessions
from hearthwatch.accounts.registration import find_user_by_email
from hearthwatch.context import AppContext
from hearthwatch.errors import NotFound
from hearthwatch.mail.links import public_link
from hearthwatch.mail.messages import OutgoingMail
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.minors import mail as minors_mail
from hearthwatch.privacy.minors import service as minors
from hearthwatch.privacy.minors.models import GuardianConsent
from hearthwatch.privacy.minors.report_models import OPEN, ChildReport
from hearthwatch.security.masking import mask_email

MAX_NOTE = 1000
ANSWER_PATH = "/guardian/report"
TOKEN = re.compile(r"(?P<id>[0-9a-f]{32})\.(?P<mac>[A-Za-z0-9_-]{43})")


def report_child(
    ctx: AppContext, db: Session, *, email: str, note: str | None
) -> list[OutgoingMail]:
    """Record a report for review; the mails to send come back, never what was found."""
    user = find_user_by_email(db, email)
    mails: list[OutgoingMail] = []
    if user is None:
        outcome = "no account uses this address; nothing changed"
    else:
        outcome = _open_report(ctx, db, user, mails)
    operator = ctx.settings.privacy_operator_email
    if operator:
        mails.append(
            minors_mail.operator_report(
                operator, account=mask_email(email), outcome=outcome, note=note
            )
        )
    return mails


def _open_report(ctx: AppContext, db: Session, user: User, mails: list[OutgoingMail]) -> str:
    consent = db.scalars(select(GuardianConsent).where(GuardianConsent.user_id == user.id)).first()
    if consent is not None and consent.decision is not None:
        return f"account {user.id} has {consent.decision} on record; nothing changed"
    if consent is not None:
        return f"account {user.id} already waits for consent"
    if open_report_of(db, user.id) is not None:
        return f"account {user.id} already has a report waiting for your review"
    report = ChildReport(user_id=user.id, state=OPEN, reported_at=ctx.clock.now())
    db.add(report)
    db.flush()
    audit_report(db, ctx, report, "minors.report_received", actor=audit.SYSTEM)
    mails.append(minors_mail.report_to_holder(user.email, link=answer_link(ctx, report)))
    return f"account {user.id} waits for your review; nothing is restricted until you decide"


def open_report_of(db: Session, user_id: str) -> ChildReport | None:
    query = select(ChildReport).where(ChildReport.user_id == user_id, ChildReport.state == OPEN)
    return db.scalars(query).first()


# --- the holder's answer ---


def answer_link(ctx: AppContext, report: ChildReport) -> str:
    """The holder's signed page link to answer the report; it works while it is open."""
    return public_link(ctx.settings, ANSWER_PATH, {"token": f"{report.id}.{_mac(ctx, report)}"})


def _mac(ctx: AppContext, report: ChildReport) -> str:
    key = ctx.keyring.derive("child-report-answer")
    digest = hmac.new(key, f"{report.id}:{report.user_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def open_answer_link(ctx: AppContext, db: Session, *, token: str) -> ChildReport:
    """The open report a holder's link is for; any doubt (forged, decided) is one answer."""
    parts = TOKEN.fullmatch(token)
    report = db.get(ChildReport, parts["id"]) if parts else None
    if (
        parts is None
        or report is None
        or report.state != OPEN
        or not hmac.compare_digest(parts["mac"].encode(), _mac(ctx, report).encode())
    ):
        raise NotFound(
            "This link is not valid any more: the report was already decided, or the "
            "account is gone.",
            code="minors.link_invalid",
        )
    return report


def answer(ctx: AppContext, db: Session, *, token: str, text: str) -> None:
    """Keep the holder's answer for the operator's review (a later answer replaces it)."""
    report = open_answer_link(ctx, db, token=token)
    report.answer, report.answered_at = text, ctx.clock.now()
    audit_report(db, ctx, report, "minors.report_answered", actor=audit.actor_user(report.user_id))


# --- a confirmed report puts the account on hold ---


def hold_reported(ctx: AppContext, db: Session, user: User) -> list[OutgoingMail]:
    """Put a reported account on hold (sessions and tokens end) until a guardian consents;
    returns the holder's mail with the deadline and the link to name a guardian."""
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
    held = minors_mail.account_reported(
        user.email,
        link=minors.link_for(ctx, consent, minors.HOLDER),
        deadline=consent.deadline_at,
        operator=ctx.settings.privacy_operator_email,
    )
    return [held]


def audit_report(
    db: Session, ctx: AppContext, report: ChildReport, action: str, *, actor: str,
    reason: str | None = None,
) -> None:  # fmt: skip
    details = {"report_id": report.id, **({"reason": mask_email(reason)} if reason else {})}
    audit.record(
        db, at=ctx.clock.now(), actor=actor, action=action, subject_id=report.user_id,
        details=details,
    )  # fmt: skip
