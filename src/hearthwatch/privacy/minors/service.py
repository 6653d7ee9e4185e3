"""Accounts of children under 16 wait for a parent's or guardian's consent (P4).

States of an account's `GuardianConsent` record:

    (none) ── sign-up under 16 ──────────────┐
       │                                      v
       └── reported as a child ──> pending (decision empty: on hold, cannot sign in)
                                     │   │   │
       guardian confirms ────────────┘   │   └── guardian refuses, or the deadline passes
       (decision "confirmed", kept       │          -> the account and everything it holds
        as proof)                        │             is erased (`erasure`), record with it
       operator sees 16+ shown ──────────┘
       (decision "adult")

The guardian's link is signed (HMAC over the record, the guardian's address and the
deadline), so it is useless for another account, another address or after the deadline.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.errors import NotFound, ValidationFailed
from hearthwatch.mail.links import public_link
from hearthwatch.mail.messages import OutgoingMail
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.erasure import service as erasure
from hearthwatch.privacy.minors import mail as minors_mail
from hearthwatch.privacy.minors.models import GuardianConsent
from hearthwatch.security.masking import mask_email

log = logging.getLogger("hearthwatch.minors")

SIGN_UP, REPORTED = "sign_up", "reported"
CONFIRMED, ADULT = "confirmed", "adult"
GUARDIAN, HOLDER = "guardian", "holder"
LINK_PATHS = {GUARDIAN: "/guardian/consent", HOLDER: "/guardian/name"}
TOKEN = re.compile(r"(?P<id>[0-9a-f]{32})\.(?P<deadline>[0-9]{1,12})\.(?P<mac>[A-Za-z0-9_-]{43})")


@dataclass(frozen=True)
class Pending:
    """What a link's page shows: whose account (masked) and until when."""

    consent: GuardianConsent
    account: str
    role: str


def ask_guardian_at_sign_up(
    ctx: AppContext, db: Session, *, user: User, guardian_email: str
) -> OutgoingMail:
    """Put a new under-16 account on hold; returns the guardian's mail with a signed link
    (sent by sign-up after answering, see `registration.register`)."""
    now = ctx.clock.now()
    consent = GuardianConsent(
        user_id=user.id,
        reason=SIGN_UP,
        guardian_email=guardian_email,
        requested_at=now,
        deadline_at=now + timedelta(days=ctx.settings.guardian_consent_days),
    )
    db.add(consent)
    db.flush()
    _audit(db, ctx, "minors.consent_requested", consent, actor=audit.actor_user(user.id))
    return _guardian_mail(ctx, consent, user)


def _guardian_mail(ctx: AppContext, consent: GuardianConsent, user: User) -> OutgoingMail:
    assert consent.guardian_email is not None
    return minors_mail.guardian_request(
        consent.guardian_email,
        child=mask_email(user.email),
        link=link_for(ctx, consent, GUARDIAN),
        deadline=consent.deadline_at,
    )


def link_for(ctx: AppContext, consent: GuardianConsent, role: str) -> str:
    """The signed page link for the guardian (decide) or the holder (name a guardian)."""
    return public_link(ctx.settings, LINK_PATHS[role], {"token": link_token(ctx, consent, role)})


def link_token(ctx: AppContext, consent: GuardianConsent, role: str) -> str:
    deadline = int(consent.deadline_at.timestamp())
    return f"{consent.id}.{deadline}.{_mac(ctx, consent, role, deadline)}"


def _mac(ctx: AppContext, consent: GuardianConsent, role: str, deadline: int) -> str:
    message = f"{role}:{consent.id}:{consent.user_id}:{consent.guardian_email or ''}:{deadline}"
    key = ctx.keyring.derive("guardian-consent-link")
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def open_link(ctx: AppContext, db: Session, *, token: str, role: str) -> Pending:
    """The pending record a link is for; any doubt (forged, used, expired) is one answer."""
    parts = TOKEN.fullmatch(token)
    consent = db.get(GuardianConsent, parts["id"]) if parts else None
    valid = (
        parts is not None
        and consent is not None
        and hmac.compare_digest(
            parts["mac"].encode(), _mac(ctx, consent, role, int(parts["deadline"])).encode()
        )
        and int(parts["deadline"]) == int(consent.deadline_at.timestamp())
        and consent.decision is None
        and consent.deadline_at > ctx.clock.now()
        and (role == HOLDER or consent.guardian_email is not None)
    )
    if not valid or consent is None:  # (mypy: `valid` implies a record)
        raise NotFound(
            "This link is not valid any more: it was used, it expired, or the account is gone.",
            code="minors.link_invalid",
        )
    user = db.get(User, consent.user_id)
    assert user is not None  # the record is deleted with its account
    return Pending(consent, mask_email(user.email), role)


def decide(
    ctx: AppContext, db: Session, *, token: str, agree: bool, guardian_name: str
) -> str | None:
    """The guardian's answer. Consent lifts the hold; a refusal erases the account at once.

    Returns the erasure job to run after the commit (objects to delete), if any.
    """
    consent = open_link(ctx, db, token=token, role=GUARDIAN).consent
    if not agree:
        return delete_account(ctx, db, consent=consent, why="refused")
    consent.decision = CONFIRMED
    consent.decided_at = ctx.clock.now()
    consent.guardian_name = guardian_name
    _audit(db, ctx, "minors.consent_given", consent, actor=GUARDIAN)
    user = db.get(User, consent.user_id)
    assert user is not None
    ctx.mailer.send(minors_mail.consent_given(user.email))
    return None


def name_guardian(ctx: AppContext, db: Session, *, token: str, guardian_email: str) -> None:
    """A reported holder under 16 names the guardian to ask; the deadline stays."""
    pending = open_link(ctx, db, token=token, role=HOLDER)
    consent = pending.consent
    user = db.get(User, consent.user_id)
    assert user is not None
    if guardian_email.lower() == user.email.lower():
        raise ValidationFailed(
            "Give the address of your parent or guardian, not your own.",
            code="minors.guardian_email_same",
        )
    consent.guardian_email = guardian_email
    db.flush()
    _audit(db, ctx, "minors.consent_requested", consent, actor=audit.actor_user(user.id))
    ctx.mailer.send(_guardian_mail(ctx, consent, user))


def clear_as_adult(
    ctx: AppContext, db: Session, *, user_id: str, operator: str, note: str | None = None
) -> None:
    """The operator saw proof the holder is 16 or older: the hold ends. `note` (why) goes
    into the audit entry with any e-mail address in it masked."""
    consent = db.scalars(
        select(GuardianConsent).where(
            GuardianConsent.user_id == user_id, GuardianConsent.decision.is_(None)
        )
    ).first()
    if consent is None:
        raise NotFound("No account with that id waits for consent.", code="minors.not_pending")
    consent.decision = ADULT
    consent.decided_at = ctx.clock.now()
    extra = {"note": mask_email(note)} if note else None
    _audit(
        db, ctx, "minors.shown_adult", consent, actor=audit.actor_operator(operator), extra=extra
    )


def delete_account(
    ctx: AppContext, db: Session, *, consent: GuardianConsent, why: str
) -> str | None:
    """Erase the account and everything it holds (P4); the audit entry outlives it."""
    user = db.get(User, consent.user_id)
    assert user is not None
    _audit(db, ctx, f"minors.account_deleted.{why}", consent, actor=audit.SYSTEM)
    outcome = erasure.erase_account_data(ctx, db, user=user)
    return outcome.job_id


def pending(db: Session) -> list[GuardianConsent]:
    """Every account on hold, soonest deadline first."""
    query = select(GuardianConsent).where(GuardianConsent.decision.is_(None))
    return list(db.scalars(query.order_by(GuardianConsent.deadline_at)))


def sweep(ctx: AppContext) -> int:
    """Erase every account whose consent did not come in time; returns how many."""
    deleted = 0
    while True:
        with ctx.db.session() as db:
            consent = db.scalars(_overdue(ctx.clock.now()).limit(1)).first()
            if consent is None:
                return deleted
            job_id = delete_account(ctx, db, consent=consent, why="no_consent")
        if job_id is not None:
            erasure.run_job(ctx, job_id)
        deleted += 1


def _overdue(now: datetime) -> Select[GuardianConsent]:
    return select(GuardianConsent).where(
        GuardianConsent.decision.is_(None), GuardianConsent.deadline_at <= now
    )


def _audit(
    db: Session, ctx: AppContext, action: str, consent: GuardianConsent, *, actor: str,
    extra: dict[str, str] | None = None,
) -> None:  # fmt: skip
    audit.record(
        db,
        at=ctx.clock.now(),
        actor=actor,
        action=action,
        subject_id=consent.user_id,
        details={
            "reason": consent.reason,
            "deadline_at": consent.deadline_at.isoformat(),
            **(extra or {}),
        },
    )
