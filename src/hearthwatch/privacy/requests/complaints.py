"""Complaints from people without an account (P27), e.g. someone a neighbour's camera films.

    submit ──code mailed──▶ pending ──code entered──▶ registered complaint ──▶ the desk
                               │
                               └── not entered within a day: never registered, deleted

A complaint is registered only once its writer has shown they read the address they gave,
by entering the 6-digit code mailed to it (it expires, and a few wrong tries spend it);
until then it waits in `pending_complaints`, which the retention sweep empties a week
after submission (`CODE_LIFE` in the data map). Registered, it is a `RightsRequest` of
kind "complaint" with no account: due 30 days after it was written, never extended, on
the operator's desk with the writer masked, answered there, and every update mailed to
the proven address. Each step is in the audit log by identifiers only: no address, name,
text or code. Nothing here looks up accounts, so it says nothing about who has one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.errors import NotFound, ValidationFailed
from hearthwatch.mail.messages import OutgoingMail
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.notice import contact as notice_contact
from hearthwatch.privacy.notice import service as notice
from hearthwatch.privacy.requests import service as requests
from hearthwatch.privacy.requests.mail import (
    complaint_code_mail,
    complaint_registered_mail,
    day,
    tell_operator,
)
from hearthwatch.privacy.requests.models import PendingComplaint, RightsRequest
from hearthwatch.security.secrets import hash_code, new_numeric_code, same
from hearthwatch.settings import Settings

MAX_NAME = 128
ACTOR = "complainant"  # who acts in the audit log: someone with no account to name
PENDING_FOR = timedelta(days=1)  # after that, the complaint must be written again


def contact_in(settings: Settings, document: Mapping[str, Any]) -> dict[str, Any]:
    """Whom to ask and complain to, as a notice version states it.

    A version published before the notice named its controller, rights and complaint
    channel gets today's: a person must always find whom to ask and complain to (P27). The
    notice page and ``GET /api/v1/privacy/complaints`` both answer with this rule.
    """
    return {
        "controller": document.get("controller") or notice_contact.controller(settings),
        "your_rights": document.get("your_rights") or notice_contact.rights(),
        "complaints": document.get("complaints") or notice_contact.complaints(settings),
    }


def contact_of_notice(
    ctx: AppContext, db: Session, *, version: int = 0
) -> tuple[int | None, dict[str, Any]]:
    """(version number, `contact_in` it) for notice `version`, 0 for the one in force; with
    no notice published yet, today's contact. An unknown version is `notice.not_found`."""
    shown = notice.get_version(db, version) if version else notice.in_force(db, ctx.clock.now())
    document = notice.content_of(shown) if shown is not None else {}
    return (shown.number if shown is not None else None), contact_in(ctx.settings, document)


def submit(
    ctx: AppContext, db: Session, *, email: str, name: str | None, details: str
) -> PendingComplaint:
    """Keep the complaint aside and mail the code that proves the address."""
    now = ctx.clock.now()
    pending = PendingComplaint(
        email=email.strip(),
        name=_name(name),
        details=_details(details),
        created_at=now,
        code_hash="",
        code_expires_at=now,
        attempts=0,
    )
    db.add(pending)
    db.flush()
    _audit(db, now, "complaint.submitted", {"pending_id": pending.id})
    send_code(ctx, db, pending_id=pending.id)
    return pending


def send_code(ctx: AppContext, db: Session, *, pending_id: str) -> PendingComplaint:
    """(Re)send the code; any earlier code stops working and the tries start again."""
    pending = get_pending(ctx, db, pending_id)
    now = ctx.clock.now()
    minutes = ctx.settings.request_code_minutes
    code = new_numeric_code()
    pending.code_hash = hash_code(code, salt=pending.id)
    pending.code_expires_at = now + timedelta(minutes=minutes)
    pending.attempts = 0
    _audit(db, now, "complaint.code_sent", {"pending_id": pending.id})
    ctx.mailer.send(complaint_code_mail(pending.email, code, minutes=minutes))
    return pending


def verify(ctx: AppContext, db: Session, *, pending_id: str, code: str) -> RightsRequest:
    """Check the mailed code; the complaint is then registered and the operator told."""
    pending = get_pending(ctx, db, pending_id)
    now = ctx.clock.now()
    _check_code(ctx, pending, code, now)
    complaint = _register(ctx, db, pending, now)
    _audit(db, now, "complaint.registered", {"pending_id": pending.id, "request_id": complaint.id})
    db.delete(pending)
    tell_operator(ctx, f"New complaint {complaint.id} (no account), due {day(complaint.due_at)}.")
    ctx.mailer.send(_registered_mail(complaint))
    return complaint


def get_pending(ctx: AppContext, db: Session, pending_id: str) -> PendingComplaint:
    """A complaint still waiting for its code; one a day old is as good as gone."""
    pending = db.get(PendingComplaint, pending_id)
    if pending is None or pending.created_at + PENDING_FOR <= ctx.clock.now():
        raise NotFound(
            "This complaint is no longer waiting for a code: please write it again.",
            code="privacy.complaint_not_found",
        )
    return pending


# ---- internals -------------------------------------------------------------------------


def _check_code(ctx: AppContext, pending: PendingComplaint, code: str, now: datetime) -> None:
    """Accept the code once; a wrong one counts, and the last allowed try spends it."""
    limit = ctx.settings.reset_code_attempts
    if pending.attempts >= limit:
        raise ValidationFailed(
            "Too many wrong codes. Ask for a new one.", code="auth.code_attempts_exceeded"
        )
    if pending.code_expires_at <= now:
        raise ValidationFailed("The code has expired. Ask for a new one.", code="auth.code_expired")
    if not same(pending.code_hash, hash_code(code, salt=pending.id)):
        pending.attempts += 1
        left = limit - pending.attempts
        raise ValidationFailed(
            "The code is wrong." + (" Ask for a new one." if left <= 0 else ""),
            code="auth.code_invalid",
            details={"attempts_left": max(0, left)},
        )


def _register(
    ctx: AppContext, db: Session, pending: PendingComplaint, now: datetime
) -> RightsRequest:
    kind = requests.KIND_BY_NAME[requests.COMPLAINT]
    received = pending.created_at
    complaint = RightsRequest(
        user_id=None,
        complainant_email=pending.email,
        complainant_name=pending.name,
        kind=kind.name,
        status=requests.RECEIVED,
        details=pending.details,
        received_at=received,
        due_at=requests.due_date(kind, received),
        extended_months=0,
        repeat_of=_earlier_complaint(ctx, db, pending.email, now),
    )
    db.add(complaint)
    db.flush()
    requests.record_step(db, complaint, received, by="person", note="written without an account")
    requests.audit_step(db, complaint, now, actor=ACTOR, action="request.received")
    complaint.status, complaint.verified_at = requests.VERIFIED, now
    requests.record_step(
        db, complaint, now, by="person", note="address proven with the mailed code"
    )
    requests.audit_step(db, complaint, now, actor=ACTOR, action="request.identity_verified")
    return complaint


def _earlier_complaint(ctx: AppContext, db: Session, email: str, now: datetime) -> str | None:
    """A recent complaint from the same address, flagged like any repeated request (P26)."""
    since = now - timedelta(days=ctx.settings.request_repeat_days)
    query = select(RightsRequest.id).where(
        RightsRequest.user_id.is_(None),
        func.lower(RightsRequest.complainant_email) == email.lower(),
        RightsRequest.received_at >= since,
    )
    return db.scalars(query.order_by(RightsRequest.received_at.desc()).limit(1)).first()


def _registered_mail(complaint: RightsRequest) -> OutgoingMail:
    greeting = f"Hello {complaint.complainant_name}," if complaint.complainant_name else "Hello,"
    return complaint_registered_mail(complaint, greeting=greeting)


def _name(name: str | None) -> str | None:
    cleaned = (name or "").strip()
    if len(cleaned) > MAX_NAME:
        raise ValidationFailed(
            f"Give a name of at most {MAX_NAME} characters, or none.",
            code="privacy.complaint_name",
        )
    return cleaned or None


def _details(text: str) -> str:
    cleaned = text.strip()
    if not cleaned or len(cleaned) > requests.MAX_DETAILS:
        raise ValidationFailed(
            f"Describe the complaint in 1 to {requests.MAX_DETAILS} characters.",
            code="privacy.request_details",
        )
    return cleaned


def _audit(db: Session, at: datetime, action: str, details: dict[str, object]) -> None:
    audit.record(db, at=at, actor=ACTOR, action=action, details=details)
