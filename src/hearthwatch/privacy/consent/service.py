"""Consent: the purposes that need it, the append-only ledger, and the check at the moment of use.

Every grant and every withdrawal is a new ledger row (P24): the newest row per person and
purpose is the state in force, older rows stay as the record of what was lawful when.
`allowed` reads that newest row each time it is asked, with no cache, so a withdrawal
stops the processing at once. A purpose that a later notice version introduces starts
"not asked" for everyone and is only ever switched on by its own explicit grant (P30):
nothing is carried over from other consents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hearthwatch.access.principal import owner
from hearthwatch.access.resolver import Action, Kind, listable, owned
from hearthwatch.context import AppContext
from hearthwatch.errors import NotFound
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.consent.models import ConsentRecord, NoticeVersion
from hearthwatch.privacy.datamap.service import LegalBasis

RECEIPT_KIND = "consent.change"
# A visitor's cookie choice lives as long as its cookie (13 months); an account's choices
# live with the account.
VISITOR_CHOICES_KEPT = timedelta(days=396)


class Channel(StrEnum):
    WEB = "web"
    API = "api"
    COOKIE_BANNER = "cookie_banner"
    EMAIL_LINK = "email_link"


class Status(StrEnum):
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"
    NOT_ASKED = "not_asked"


@dataclass(frozen=True)
class Purpose:
    """Something Hearthwatch does only with the person's consent."""

    key: str
    title: str
    description: str
    introduced_in: int  # the notice version that first named it
    cookie_category: str | None = None  # the cookie banner's name for it, if it is cookies
    legal_basis: LegalBasis = LegalBasis.CONSENT


PURPOSES: tuple[Purpose, ...] = (
    Purpose(
        "marketing_email",
        "News and offers by e-mail",
        "Occasional mail about new features and offers. Every such mail has a one-click "
        "unsubscribe link. Account and security mail is not marketing and always arrives.",
        1,
    ),
    Purpose(
        "product_analytics",
        "Anonymous usage statistics",
        "Counting page views and visits per site section and day, to learn which pages are "
        "used. Only totals are kept: nothing about who viewed what. Sets the hw_visit cookie.",
        1,
        cookie_category="analytics",
    ),
    Purpose(
        "functional_cookies",
        "Remembering your preferences",
        "The hw_prefs cookie remembers display choices such as the colour theme.",
        1,
        cookie_category="functional",
    ),
    Purpose(
        "advertising_cookies",
        "Advertising cookies",
        "Hearthwatch shows no advertising and sets no advertising cookies or pixels today. "
        "Your answer is kept in case that ever changes; nothing starts without it.",
        1,
        cookie_category="advertising",
    ),
    Purpose(
        "location_features",
        "Location features",
        "Using your phone's location for location-based features, only while such a feature "
        "is in use. Hearthwatch has no location feature yet and collects no location.",
        1,
    ),
)


def purposes() -> tuple[Purpose, ...]:
    """Every purpose, in the order pages list them (read at call time, so tests can add one)."""
    return PURPOSES


def find_purpose(key: str) -> Purpose:
    for candidate in purposes():
        if candidate.key == key:
            return candidate
    raise NotFound(f"There is no consent purpose called {key!r}.", code="consent.unknown_purpose")


@dataclass(frozen=True)
class ConsentState:
    purpose: str
    status: Status
    notice_version: int | None = None
    at: datetime | None = None
    channel: str | None = None

    @property
    def granted(self) -> bool:
        return self.status is Status.GRANTED

    @classmethod
    def of(cls, record: ConsentRecord) -> ConsentState:
        status = Status.GRANTED if record.granted else Status.WITHDRAWN
        return cls(record.purpose, status, record.notice_version, record.at, record.channel)


@dataclass(frozen=True)
class ConsentChange:
    record: ConsentRecord
    receipt: dict[str, Any]


def allowed(db: Session, *, user_id: str, purpose: str) -> bool:
    """Whether processing for `purpose` may happen now: the newest ledger row, read each time."""
    newest = db.execute(
        select(ConsentRecord.granted)
        .where(ConsentRecord.user_id == user_id, ConsentRecord.purpose == purpose)
        .order_by(ConsentRecord.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return bool(newest)


def current(db: Session, user_id: str) -> dict[str, ConsentState]:
    """The state of every purpose for one person; "not asked" where there is no row."""
    newest = {r.purpose: r for r in _rows(db, ConsentRecord.user_id == user_id)}
    return {
        p.key: ConsentState.of(newest[p.key])
        if p.key in newest
        else ConsentState(p.key, Status.NOT_ASKED)
        for p in purposes()
    }


def current_for_visitor(db: Session, visitor_id: str) -> dict[str, ConsentState]:
    newest = {r.purpose: r for r in _rows(db, ConsentRecord.visitor_id == visitor_id)}
    return {key: ConsentState.of(record) for key, record in newest.items()}


def _rows(db: Session, who: Any) -> list[ConsentRecord]:
    # Ascending, so the dict built from them keeps the newest row per purpose.
    return list(db.scalars(select(ConsentRecord).where(who).order_by(ConsentRecord.id)))


def history(db: Session, *, user_id: str) -> list[ConsentRecord]:
    """The person's own ledger rows, newest first."""
    return list(
        db.scalars(
            select(ConsentRecord)
            .where(listable(Kind.CONSENT_CHANGE, owner(user_id)))
            .order_by(ConsentRecord.id.desc())
        )
    )


def grant(
    ctx: AppContext,
    db: Session,
    *,
    user_id: str | None,
    purpose: str,
    channel: Channel,
    visitor_id: str | None = None,
) -> ConsentChange:
    return change(
        ctx,
        db,
        user_id=user_id,
        purpose=purpose,
        granted=True,
        channel=channel,
        visitor_id=visitor_id,
    )


def withdraw(
    ctx: AppContext,
    db: Session,
    *,
    user_id: str | None,
    purpose: str,
    channel: Channel,
    visitor_id: str | None = None,
) -> ConsentChange:
    return change(
        ctx,
        db,
        user_id=user_id,
        purpose=purpose,
        granted=False,
        channel=channel,
        visitor_id=visitor_id,
    )


def change(
    ctx: AppContext,
    db: Session,
    *,
    user_id: str | None,
    purpose: str,
    granted: bool,
    channel: Channel,
    visitor_id: str | None = None,
) -> ConsentChange:
    """Append a decision (unless it is already the state in force), audit it, sign a receipt."""
    find_purpose(purpose)
    newest = _newest(db, user_id=user_id, visitor_id=visitor_id, purpose=purpose)
    if newest is not None and newest.granted == granted:
        return ConsentChange(newest, receipt(ctx, newest))
    now = ctx.clock.now()
    record = ConsentRecord(
        at=now,
        user_id=user_id,
        visitor_id=visitor_id,
        purpose=purpose,
        granted=granted,
        notice_version=notice_version_in_force(db, now),
        channel=channel.value,
    )
    db.add(record)
    db.flush()
    _audit(db, record)
    return ConsentChange(record, receipt(ctx, record))


def _newest(
    db: Session, *, user_id: str | None, visitor_id: str | None, purpose: str
) -> ConsentRecord | None:
    who = (
        ConsentRecord.user_id == user_id
        if user_id is not None
        else ConsentRecord.visitor_id == visitor_id
    )
    return db.scalars(
        select(ConsentRecord)
        .where(who, ConsentRecord.purpose == purpose)
        .order_by(ConsentRecord.id.desc())
        .limit(1)
    ).first()


def _audit(db: Session, record: ConsentRecord) -> None:
    actor = audit.actor_user(record.user_id) if record.user_id else f"visitor:{record.visitor_id}"
    audit.record(
        db,
        at=record.at,
        actor=actor,
        action="consent.granted" if record.granted else "consent.withdrawn",
        subject_id=record.user_id,
        details={
            "ledger_id": record.id,
            "purpose": record.purpose,
            "channel": record.channel,
            "notice_version": record.notice_version,
        },
    )


def notice_version_in_force(db: Session, now: datetime) -> int:
    """The privacy notice version in force at `now` (1 before the first is published)."""
    number = db.scalar(
        select(func.max(NoticeVersion.number)).where(NoticeVersion.effective_at <= now)
    )
    return int(number or 1)


def receipt_payload(record: ConsentRecord) -> dict[str, Any]:
    """What a consent receipt proves; built from the ledger row alone, so it can be re-issued."""
    return {
        "ledger_id": record.id,
        "user_id": record.user_id,
        "visitor_id": record.visitor_id,
        "purpose": record.purpose,
        "decision": "granted" if record.granted else "withdrawn",
        "at": record.at.isoformat(),
        "notice_version": record.notice_version,
        "channel": record.channel,
    }


def receipt(ctx: AppContext, record: ConsentRecord) -> dict[str, Any]:
    # Ed25519 signatures are deterministic: the same row always gives the same receipt.
    return ctx.receipts.sign(RECEIPT_KIND, receipt_payload(record))


def receipt_for(ctx: AppContext, db: Session, *, user_id: str, ledger_id: int) -> dict[str, Any]:
    """The receipt of one of the person's own changes (for download)."""
    record = owned(db, Kind.CONSENT_CHANGE, ledger_id, user_id=user_id, action=Action.VIEW)
    return receipt(ctx, record)


def purge_visitor_choices(db: Session, *, now: datetime) -> int:
    """Delete visitors' cookie-banner rows older than their cookie can live; returns how many."""
    result = db.execute(
        delete(ConsentRecord).where(
            ConsentRecord.user_id.is_(None), ConsentRecord.at < now - VISITOR_CHOICES_KEPT
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
