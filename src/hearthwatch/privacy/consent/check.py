"""What actually happened, held against the consent ledger and the limits (issue 4 item 13).

`privacy_check` reads the declarations: every purpose has a legal basis. This module reads
the record: each consent-based use that leaves an audit entry (`RECORDED_USES`) is checked
against what was in force *at that moment*:

    use.without_consent    the ledger held no consent for the purpose (never asked or given)
    use.after_withdrawal   the newest decision before the use was a withdrawal (or a "no")
    use.while_limited      an objection or restriction of the use was in force (P21, P22)

The limits are read from their rows, not with `limits.processing_allowed`: that answers
for now, and a limit lifted since then was still in force before it was lifted.

A decision made at the very same instant as the use is read in the use's favour (a grant
as before it, a withdrawal or limit as after it): the code asks the ledger before it acts,
so only a frozen clock ever makes the two coincide.

Not checked, because nothing about a person is kept to check it against: page-view counts
(a day and a site section, counted only when the visitor's analytics cookie says yes) and
statistics runs (they ask the ledger per person when they count, and keep only totals).
Uses by accounts erased since are skipped too: their ledger went with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from hearthwatch.accounts.emails import emails_by_id
from hearthwatch.accounts.models import User
from hearthwatch.privacy.audit.models import AuditEntry
from hearthwatch.privacy.consent import marketing
from hearthwatch.privacy.consent.models import ConsentRecord
from hearthwatch.privacy.limits.models import ProcessingLimit
from hearthwatch.privacy.limits.service import ALL_USES
from hearthwatch.security.masking import mask_email

EXAMPLES = 5
WITHOUT_CONSENT = "use.without_consent"
AFTER_WITHDRAWAL = "use.after_withdrawal"
WHILE_LIMITED = "use.while_limited"


@dataclass(frozen=True)
class RecordedUse:
    """A consent-based use that leaves one audit entry, about the person, each time."""

    action: str  # the audit action of one use
    title: str
    purpose: str  # the consent purpose it needs
    limit_use: str  # what a restriction or objection of it names


RECORDED_USES: tuple[RecordedUse, ...] = (
    RecordedUse(marketing.SENT, "marketing mail sent", marketing.PURPOSE, marketing.USE),
)


@dataclass(frozen=True)
class UnlawfulUses:
    """The entries of one use that one rule finds, with the oldest and a few examples."""

    code: str
    use: RecordedUse
    message: str
    count: int
    oldest: datetime | None
    examples: tuple[str, ...]


def unlawful_uses(db: Session) -> list[UnlawfulUses]:
    """Every recorded consent-based use that had no consent or met a limit, by rule."""
    found = (_unlawful(db, use, code) for use in RECORDED_USES for code in _RULES)
    return [f for f in found if f is not None]


def _unlawful(db: Session, use: RecordedUse, code: str) -> UnlawfulUses | None:
    where = and_(AuditEntry.action == use.action, _RULES[code](use))
    entries = (
        select(AuditEntry.seq, AuditEntry.at, User.id)
        .join_from(AuditEntry, User, User.id == AuditEntry.subject_id)  # erased: no ledger
        .where(where)
    )
    count = int(db.scalar(select(func.count()).select_from(entries.subquery())) or 0)
    if not count:
        return None
    oldest = db.scalar(select(func.min(entries.subquery().c.at)))
    shown = list(db.execute(entries.order_by(AuditEntry.seq).limit(EXAMPLES)))
    emails = emails_by_id(db, {user_id for _, _, user_id in shown})  # sealed (P38)
    examples = tuple(
        f"audit entry {seq} at {at:%Y-%m-%d %H:%M} UTC: account {user_id} "
        f"({mask_email(emails[user_id])})"
        for seq, at, user_id in shown
    )
    return UnlawfulUses(code, use, _MESSAGES[code](use), count, oldest, examples)


def _consent_then(use: RecordedUse) -> ColumnElement[bool | None]:
    """The ledger's decision in force when the entry was written: None, True or False."""
    row = aliased(ConsentRecord)
    newest = (
        select(func.max(row.id))
        .where(
            row.user_id == AuditEntry.subject_id,
            row.purpose == use.purpose,
            or_(row.at < AuditEntry.at, and_(row.at == AuditEntry.at, row.granted.is_(True))),
        )
        .correlate(AuditEntry)
        .scalar_subquery()
    )
    decision = select(ConsentRecord.granted).where(ConsentRecord.id == newest)
    return decision.correlate(AuditEntry).scalar_subquery()


def _without_consent(use: RecordedUse) -> ColumnElement[bool]:
    return _consent_then(use).is_(None)


def _after_withdrawal(use: RecordedUse) -> ColumnElement[bool]:
    return _consent_then(use).is_(False)


def _while_limited(use: RecordedUse) -> ColumnElement[bool]:
    limit = ProcessingLimit
    return (
        select(limit.id)
        .where(
            limit.user_id == AuditEntry.subject_id,
            limit.use.in_((use.limit_use, ALL_USES)),
            limit.camera_id.is_(None),  # a camera's restriction is about its recordings only
            limit.started_at < AuditEntry.at,
            or_(limit.lifted_at.is_(None), limit.lifted_at > AuditEntry.at),
            or_(limit.until.is_(None), limit.until > AuditEntry.at),
        )
        .exists()
    )


_RULES = {
    WITHOUT_CONSENT: _without_consent,
    AFTER_WITHDRAWAL: _after_withdrawal,
    WHILE_LIMITED: _while_limited,
}
_MESSAGES = {
    WITHOUT_CONSENT: lambda u: f"{u.title} to people who had not consented to {u.purpose}",
    AFTER_WITHDRAWAL: lambda u: (
        f"{u.title} to people after they withdrew or refused consent to {u.purpose}"
    ),
    WHILE_LIMITED: lambda u: (
        f"{u.title} while the person's objection to or restriction of {u.limit_use} was in force"
    ),
}
