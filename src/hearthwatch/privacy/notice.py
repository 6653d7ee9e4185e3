"""The privacy notice (P48): generated from the data map, versioned, announced, accepted.

The notice is never written by hand: `generate` builds it from the data map (every personal
field and object, its category, purpose, legal basis and retention), the consent purposes,
the cookies, the recipients below and the storage region. `publish` compares it with the
newest published version:

    same digest            nothing to do
    material change        new version, effective after an announcement period (new
                           purpose, new recipient, longer retention, new region); every
                           user is mailed and sees a banner; from its effective date a
                           signed-in person must accept it before going on (`gate.py`)
    any other difference   new version, effective at once, nothing to accept

The first version is published by itself on first use, so a fresh install is not blocked.
A person accepts the version in force when they sign up (the sign-up page links it), so
only versions that take effect after their sign-up need their acceptance.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.errors import NotFound
from hearthwatch.mail.messages import OutgoingMail
from hearthwatch.privacy import audit, consent, datamap
from hearthwatch.privacy.consent_models import NoticeAcceptance, NoticeVersion
from hearthwatch.privacy.cookies import COOKIES
from hearthwatch.privacy.receipts import canonical_json
from hearthwatch.settings import Settings


@dataclass(frozen=True)
class Recipient:
    """Someone outside Hearthwatch who receives personal data, when the settings use them."""

    name: str
    role: str
    data: str
    applies: Callable[[Settings], bool]
    location: Callable[[Settings], str]


RECIPIENTS: tuple[Recipient, ...] = (
    Recipient(
        "Mail relay",
        "delivers the mail Hearthwatch sends (a processor)",
        "e-mail address and the content of each mail",
        lambda s: s.mail_backend == "smtp",
        lambda s: s.smtp_host,
    ),
    Recipient(
        "Object store (S3)",
        "keeps recordings and exports, sealed so that it cannot read them (a processor)",
        "encrypted video and export files",
        lambda s: s.blob_backend == "s3",
        lambda s: s.s3_endpoint_url or f"Amazon S3 {s.s3_region}",
    ),
)


def recipients() -> tuple[Recipient, ...]:
    return RECIPIENTS


def generate(settings: Settings) -> dict[str, Any]:
    """The notice as a JSON document, from the data map and the settings."""
    return {
        "title": "Hearthwatch privacy notice",
        "service": settings.public_url,
        "storage_region": settings.data_region,
        "personal_data": [_field(f) for f in datamap.PERSONAL_FIELDS],
        "stored_objects": [_object(o) for o in datamap.PERSONAL_OBJECTS],
        "consent_purposes": [_purpose(p) for p in consent.purposes()],
        "recipients": [
            {"name": r.name, "role": r.role, "data": r.data, "location": r.location(settings)}
            for r in recipients()
            if r.applies(settings)
        ],
        "cookies": [asdict(c) for c in COOKIES],
        "not_done": [
            "Personal data is not sold.",
            "Staff do not watch your video; it is disclosed only when the law compels it.",
            "Statistics leave only as totals about no one in particular.",
        ],
    }


def _field(field: datamap.PersonalField) -> dict[str, Any]:
    return {
        "key": field.key,
        "description": field.description,
        "category": field.category.value,
        "purpose": field.purpose,
        "legal_basis": field.legal_basis.value,
        "retention": field.retention.description,
        "retention_days": field.retention.days,
        "exported": field.exported,
        "erased": field.erased,
    }


def _object(obj: datamap.PersonalObject) -> dict[str, Any]:
    return {
        "key": f"object:{obj.kind}",
        "description": obj.description,
        "category": obj.category.value,
        "purpose": obj.purpose,
        "legal_basis": obj.legal_basis.value,
        "retention": obj.retention.description,
        "retention_days": obj.retention.days,
        "encrypted": obj.encrypted,
    }


def _purpose(purpose: consent.Purpose) -> dict[str, Any]:
    return {
        "key": purpose.key,
        "title": purpose.title,
        "description": purpose.description,
        "legal_basis": purpose.legal_basis.value,
        "introduced_in": purpose.introduced_in,
    }


def digest(document: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(document)).hexdigest()


def material_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What in `new` a person must agree to: new purposes, recipients, longer keeping, region."""
    changes = [f"New purpose: {p}" for p in sorted(_purposes(new) - _purposes(old))]
    old_names = {_recipient_name(r) for r in old.get("recipients", [])}
    changes += [
        f"New recipient: {_recipient_name(r)}"
        for r in new.get("recipients", [])
        if _recipient_name(r) not in old_names
    ]
    changes += _longer_retention(old, new)
    if new.get("storage_region") != old.get("storage_region"):
        changes.append(
            f"Data now stored in: {new.get('storage_region')} (was {old.get('storage_region')})"
        )
    return changes


def _purposes(document: dict[str, Any]) -> set[str]:
    items = [*document.get("personal_data", []), *document.get("stored_objects", [])]
    return {str(item["purpose"]) for item in items} | {
        f"{p['title']} (with your consent)" for p in document.get("consent_purposes", [])
    }


def _recipient_name(recipient: dict[str, Any]) -> str:
    return f"{recipient['name']} ({recipient['location']})"


def _longer_retention(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    def kept(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
        items = [*document.get("personal_data", []), *document.get("stored_objects", [])]
        return {str(item["key"]): item for item in items}

    before, changes = kept(old), []
    for key, item in kept(new).items():
        was = before.get(key)
        if was is None:
            continue
        old_days, new_days = was.get("retention_days"), item.get("retention_days")
        if old_days is not None and (new_days is None or new_days > old_days):
            changes.append(
                f"Kept longer: {item['description']} ({was['retention']} → {item['retention']})"
            )
    return changes


# --- published versions ---------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    version: NoticeVersion | None  # None when nothing changed
    material: bool
    changes: list[str]


def latest(db: Session) -> NoticeVersion | None:
    return db.scalars(select(NoticeVersion).order_by(NoticeVersion.number.desc()).limit(1)).first()


def versions(db: Session) -> list[NoticeVersion]:
    return list(db.scalars(select(NoticeVersion).order_by(NoticeVersion.number.desc())))


def get_version(db: Session, number: int) -> NoticeVersion:
    version = db.get(NoticeVersion, number)
    if version is None:
        raise NotFound("There is no such version of the privacy notice.", code="notice.not_found")
    return version


def in_force(db: Session, now: datetime) -> NoticeVersion | None:
    return db.scalars(
        select(NoticeVersion)
        .where(NoticeVersion.effective_at <= now)
        .order_by(NoticeVersion.number.desc())
        .limit(1)
    ).first()


def upcoming(db: Session, now: datetime) -> NoticeVersion | None:
    """The newest announced version that is not in force yet."""
    return db.scalars(
        select(NoticeVersion)
        .where(NoticeVersion.effective_at > now)
        .order_by(NoticeVersion.number.desc())
        .limit(1)
    ).first()


def content_of(version: NoticeVersion) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(version.content)
    return document


def changes_of(version: NoticeVersion) -> list[str]:
    listed: list[str] = json.loads(version.changes)
    return listed


def publish(
    ctx: AppContext, db: Session, *, announce: timedelta | None = None, actor: str = audit.SYSTEM
) -> Published:
    """Publish the generated notice if it differs from the newest published version."""
    document, previous = generate(ctx.settings), latest(db)
    if previous is not None and previous.digest == digest(document):
        return Published(None, False, [])
    now = ctx.clock.now()
    if previous is None:
        changes, material = ["First published version."], False
    else:
        changes = material_changes(content_of(previous), document)
        material = bool(changes)
        changes = changes or ["Wording and details updated; nothing that needs your agreement."]
    wait = (announce or timedelta(days=ctx.settings.notice_announce_days)) if material else None
    version = _store(db, previous, document, changes, now, wait)
    audit.record(
        db,
        at=now,
        actor=actor,
        action="privacy.notice_published",
        details={"version": version.number, "material": material, "digest": version.digest},
    )
    if material:
        _announce(ctx, db, version)
    return Published(version, material, changes)


def _store(
    db: Session,
    previous: NoticeVersion | None,
    document: dict[str, Any],
    changes: list[str],
    now: datetime,
    wait: timedelta | None,
) -> NoticeVersion:
    version = NoticeVersion(
        number=(previous.number + 1) if previous else 1,
        published_at=now,
        effective_at=now + wait if wait else now,
        digest=digest(document),
        content=json.dumps(document, sort_keys=True),
        changes=json.dumps(changes),
        requires_acceptance=wait is not None,
    )
    db.add(version)
    db.flush()
    return version


def ensure_published(ctx: AppContext) -> None:
    """Publish the first version if there is none (first start of a fresh install)."""
    try:
        with ctx.db.session() as db:
            if db.scalar(select(func.count()).select_from(NoticeVersion)) == 0:
                publish(ctx, db)
    except IntegrityError:
        pass  # another node published it first


def _announce(ctx: AppContext, db: Session, version: NoticeVersion) -> None:
    """Mail every confirmed account: a service message, sent whatever their marketing choice."""
    summary = "\n".join(f"- {change}" for change in changes_of(version))
    when = f"{version.effective_at:%d %B %Y}"
    link = f"{ctx.settings.public_url.rstrip('/')}/privacy/notice"
    for email in db.scalars(select(User.email).where(User.email_confirmed_at.is_not(None))):
        ctx.mailer.send(
            OutgoingMail(
                to=email,
                kind="privacy.notice_changed",
                subject=f"Our privacy notice changes on {when}",
                body=(
                    f"We are changing our privacy notice (version {version.number}). "
                    f"It applies from {when}.\n\nWhat changes:\n{summary}\n\n"
                    f"Read it in full: {link}\nFrom {when} we will ask you to accept it "
                    "before you go on using Hearthwatch. You can export your data or close "
                    "your account at any time instead.\n"
                ),
            )
        )


def is_current(settings: Settings, db: Session) -> bool:
    """Whether the newest published version is exactly what the data map says today."""
    newest = latest(db)
    return newest is not None and newest.digest == digest(generate(settings))


# --- acceptance -----------------------------------------------------------------------------


def accepted_version(db: Session, user: User) -> int:
    """The newest version the person accepted: explicitly, or by signing up under it."""
    explicit = db.scalar(
        select(func.max(NoticeAcceptance.version)).where(NoticeAcceptance.user_id == user.id)
    )
    at_sign_up = in_force(db, user.created_at)
    return max(int(explicit or 0), at_sign_up.number if at_sign_up else 0)


def required_version(db: Session, now: datetime) -> int | None:
    """The newest version in force that needs acceptance, if any."""
    number = db.scalar(
        select(func.max(NoticeVersion.number)).where(
            NoticeVersion.requires_acceptance.is_(True), NoticeVersion.effective_at <= now
        )
    )
    return int(number) if number is not None else None


def must_accept(db: Session, *, user: User, now: datetime) -> int | None:
    """The version the person has to accept before going on, or None."""
    required = required_version(db, now)
    if required is None or accepted_version(db, user) >= required:
        return None
    return required


def accept(ctx: AppContext, db: Session, *, user: User, version: int) -> NoticeAcceptance:
    """Record that the person accepted `version` (published, in force or announced)."""
    get_version(db, version)
    now = ctx.clock.now()
    record = NoticeAcceptance(user_id=user.id, version=version, accepted_at=now)
    db.add(record)
    db.flush()
    audit.record(
        db,
        at=now,
        actor=audit.actor_user(user.id),
        action="privacy.notice_accepted",
        subject_id=user.id,
        details={"version": version},
    )
    return record


def pending_changes(db: Session, *, since: int) -> list[tuple[NoticeVersion, list[str]]]:
    """The versions after `since`, with their changes, oldest first (for the accept page)."""
    rows = db.scalars(
        select(NoticeVersion).where(NoticeVersion.number > since).order_by(NoticeVersion.number)
    )
    return [(v, changes_of(v)) for v in rows]
