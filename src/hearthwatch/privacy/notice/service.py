"""The privacy notice (P48): generated from the data map, versioned, announced, accepted.

The notice is never written by hand: `notice_content.generate` builds it from the data
map, the consent purposes, the cookies, the recipients and the storage region. `publish`
compares it with the newest published version, and what changed with the version in force
(what people were told and agreed to: an announced version is not in force yet, so a
second change inside its announcement period cannot slip in at once):

    same digest            nothing to do
    material change        new version, effective after an announcement period (new
                           purpose, new recipient, longer retention, new region); every
                           user is mailed and sees a banner; from its effective date a
                           signed-in person must accept it before going on (`gate.py`)
    any other difference   new version, effective at once, nothing to accept

The service publishes by itself when it starts (`ensure_published`, from the first
request): the first version on a fresh install, so it is not blocked, and after an
upgrade or a change of settings that changed the notice, the new version through the same
steps as above (a material change announced first, by mail and in the app, and accepted).
`hearthwatch privacy check` reports a published notice that is out of date meanwhile.
A person accepts the version in force when they sign up (the sign-up page links it), so
only versions that take effect after their sign-up need their acceptance.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.errors import NotFound
from hearthwatch.mail.links import public_link
from hearthwatch.notify.kinds import POLICY_CHANGE
from hearthwatch.notify.notices import send_notice
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.consent.models import NoticeAcceptance, NoticeVersion
from hearthwatch.privacy.notice.content import digest, generate, material_changes
from hearthwatch.settings import Settings

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
        agreed = in_force(db, now) or previous
        changes = material_changes(content_of(agreed), document)
        material = bool(changes)
        changes = changes or ["Wording and details updated; nothing that needs your agreement."]
    wait = (announce or timedelta(days=ctx.settings.notice_announce_days)) if material else None
    version = _store(db, previous, document, changes, now, wait)
    global _published_generation
    _published_generation += 1
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


def ensure_published(ctx: AppContext) -> Published | None:
    """At start-up: publish the notice the data map gives now if it differs from the newest
    version (the first one on a fresh install), through the usual announcement."""
    try:
        with ctx.db.session() as db:
            return publish(ctx, db)
    except IntegrityError:
        return None  # another node published the same version first


def _announce(ctx: AppContext, db: Session, version: NoticeVersion) -> None:
    """Tell every confirmed account, by e-mail and on their browsers with push on, and in
    their notification history: a service message, sent whatever their marketing choice
    (P48; the kind's rules refuse a promotion or an unsubscribe link in it, P50)."""
    summary = "\n".join(f"- {change}" for change in changes_of(version))
    when = f"{version.effective_at:%d %B %Y}"
    link = public_link(ctx.settings, "/privacy/notice")
    body = (
        f"We are changing our privacy notice (version {version.number}). "
        f"It applies from {when}.\n\nWhat changes:\n{summary}\n\n"
        f"Read it in full: {link}\nFrom {when} we will ask you to accept it "
        "before you go on using Hearthwatch. You can export your data or close "
        "your account at any time instead.\n"
    )
    subject = f"Our privacy notice changes on {when}"
    for user in db.scalars(select(User).where(User.email_confirmed_at.is_not(None))):
        send_notice(ctx, db, POLICY_CHANGE, user, subject=subject, body=body)


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


# Bumped by every publication in this process, so caches of the schedule below reload at
# once; other processes (a `notice publish` from the CLI) are seen within their refresh time.
_published_generation = 0


def published_generation() -> int:
    return _published_generation


def acceptance_schedule(db: Session) -> tuple[tuple[int, datetime], ...]:
    """(number, effective from) of every version that needs acceptance, oldest first."""
    rows = db.execute(
        select(NoticeVersion.number, NoticeVersion.effective_at)
        .where(NoticeVersion.requires_acceptance.is_(True))
        .order_by(NoticeVersion.number)
    )
    return tuple((int(number), effective_at) for number, effective_at in rows)


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
