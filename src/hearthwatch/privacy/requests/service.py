"""Rights requests and complaints: a tracked workflow with deadlines (P17-P27).

What the account can do by itself (see, edit, export, delete, close) needs no request; a
request is for the rest. Its life:

    received ──code──▶ identity_verified ──▶ in_progress ──▶ completed
        │                    │                    │
        └────────────────────┴──── extended ──────┴──────▶ refused (with reason)

A request is received once the person has re-entered their password; it runs only after
they also enter the code mailed to the account (identity verified). It is due one calendar
month after receipt, and never later than 30 days (P25); the operator may extend it by up
to two further months, with a reason the person is told at once. A complaint (P27) is
answered within 30 days and is never extended. Someone without an account complains
through `complaints.py`: their complaint has no account, only the address they proved
with a mailed code, and is then handled here like any other. Repeated requests are
flagged; the operator may refuse them or charge a fee, and the reason is recorded and
shown (P26). Every step, and every code mailed, is in the audit log (item 17).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.access.principal import owner
from hearthwatch.access.resolver import Action, Kind, listable, owned
from hearthwatch.accounts import codes
from hearthwatch.accounts.models import User
from hearthwatch.accounts.signin import reauthenticate
from hearthwatch.context import AppContext
from hearthwatch.errors import Conflict, NotFound, ValidationFailed
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.requests.mail import code_mail, day, tell_operator, tell_person
from hearthwatch.privacy.requests.models import RequestStep, RightsRequest
from hearthwatch.privacy.rights.kinds import COMPLAINT as COMPLAINT
from hearthwatch.privacy.rights.kinds import KIND_BY_NAME as KIND_BY_NAME
from hearthwatch.privacy.rights.kinds import KINDS as KINDS
from hearthwatch.privacy.rights.kinds import RequestKind as RequestKind
from hearthwatch.privacy.rights.kinds import due_date as due_date

RECEIVED = "received"
VERIFIED = "identity_verified"
IN_PROGRESS = "in_progress"
EXTENDED = "extended"
COMPLETED = "completed"
REFUSED = "refused"
OPEN_STATES = frozenset({RECEIVED, VERIFIED, IN_PROGRESS, EXTENDED})
MAX_EXTENSION_MONTHS = 2
MAX_DETAILS = 4000


# ---- the person's side -----------------------------------------------------------------


def submit(
    ctx: AppContext, db: Session, *, user: User, kind: str, details: str, password: str
) -> RightsRequest:
    """Receive a request after re-authentication, and mail the code that verifies identity."""
    request_kind = _kind(kind)
    text = _details(details)
    now = ctx.clock.now()
    reauthenticate(ctx, user, password, now=now, wrong="The password is wrong.")
    request = RightsRequest(
        user_id=user.id,
        kind=request_kind.name,
        status=RECEIVED,
        details=text,
        received_at=now,
        due_at=due_date(request_kind, now),
        extended_months=0,
        repeat_of=_earlier_similar(ctx, db, user_id=user.id, kind=request_kind.name, now=now),
    )
    db.add(request)
    db.flush()
    record_step(db, request, now, by="person", note=None)
    audit_step(db, request, now, actor=audit.actor_user(user.id), action="request.received")
    send_code(ctx, db, user=user, request=request)
    return request


def send_code(ctx: AppContext, db: Session, *, user: User, request: RightsRequest) -> None:
    """(Re)send the identity code for a request that is still waiting for it."""
    if request.status != RECEIVED:
        raise Conflict(
            "This request's identity check is already done.", code="privacy.request_verified"
        )
    minutes = ctx.settings.request_code_minutes
    code = codes.issue_code(
        db,
        user_id=user.id,
        purpose=_code_purpose(request),
        lifetime=timedelta(minutes=minutes),
        now=ctx.clock.now(),
    )
    db.flush()
    actor = audit.actor_user(user.id)
    audit_step(db, request, ctx.clock.now(), actor=actor, action="request.code_sent")
    kind = KIND_BY_NAME[request.kind]
    ctx.mailer.send(code_mail(user.email, code, title=kind.title, minutes=minutes))


def verify_identity(
    ctx: AppContext, db: Session, *, user: User, request_id: str, code: str
) -> RightsRequest:
    """Check the mailed code; the request then runs (and the operator is told)."""
    request = get_own(db, user_id=user.id, request_id=request_id)
    if request.status != RECEIVED:
        raise Conflict(
            "This request's identity check is already done.", code="privacy.request_verified"
        )
    now = ctx.clock.now()
    record = codes.latest_code(db, user_id=user.id, purpose=_code_purpose(request))
    codes.consume_code(record, code, max_attempts=ctx.settings.reset_code_attempts, now=now)
    request.status, request.verified_at = VERIFIED, now
    record_step(db, request, now, by="person", note="identity verified with the mailed code")
    audit_step(
        db, request, now, actor=audit.actor_user(user.id), action="request.identity_verified"
    )
    tell_operator(ctx, f"New {request.kind} request {request.id}, due {day(request.due_at)}.")
    return request


def list_own(db: Session, *, user_id: str) -> list[RightsRequest]:
    query = select(RightsRequest).where(listable(Kind.RIGHTS_REQUEST, owner(user_id)))
    return list(db.scalars(query.order_by(RightsRequest.received_at.desc())))


def get_own(db: Session, *, user_id: str, request_id: str) -> RightsRequest:
    """The person's own request; anyone else's is "not found", as a missing one."""
    request: RightsRequest = owned(
        db, Kind.RIGHTS_REQUEST, request_id, user_id=user_id, action=Action.VIEW
    )
    return request


def steps_of(db: Session, request_id: str) -> list[RequestStep]:
    query = select(RequestStep).where(RequestStep.request_id == request_id)
    return list(db.scalars(query.order_by(RequestStep.at, RequestStep.id)))


# ---- the operator's side ---------------------------------------------------------------


def list_all(db: Session, *, open_only: bool = False) -> list[RightsRequest]:
    query = select(RightsRequest)
    if open_only:
        query = query.where(RightsRequest.status.in_(OPEN_STATES))
    return list(db.scalars(query.order_by(RightsRequest.due_at)))


def get(db: Session, request_id: str) -> RightsRequest:
    request = db.get(RightsRequest, request_id)
    if request is None:
        raise NotFound("No such request.", code="privacy.request_not_found")
    return request


def start(ctx: AppContext, db: Session, *, request_id: str, operator: str) -> RightsRequest:
    request = _open(db, request_id, verified=True)
    return _move(ctx, db, request, IN_PROGRESS, operator=operator, note=None, tell=False)


def complete(
    ctx: AppContext, db: Session, *, request_id: str, operator: str, resolution: str
) -> RightsRequest:
    request = _open(db, request_id, verified=True)
    request.resolution = _reason(resolution, "resolution")
    request.closed_at = ctx.clock.now()
    return _move(ctx, db, request, COMPLETED, operator=operator, note=request.resolution)


def refuse(
    ctx: AppContext, db: Session, *, request_id: str, operator: str, reason: str
) -> RightsRequest:
    """Refuse with a reason the person sees (unverified identity, manifestly unfounded...)."""
    request = _open(db, request_id, verified=False)
    request.refusal_reason = _reason(reason, "reason")
    request.closed_at = ctx.clock.now()
    return _move(ctx, db, request, REFUSED, operator=operator, note=request.refusal_reason)


def extend(
    ctx: AppContext, db: Session, *, request_id: str, operator: str, months: int, reason: str
) -> RightsRequest:
    """Extend by up to two further months in all, before the deadline passes, with a reason."""
    request = _open(db, request_id, verified=False)
    if not KIND_BY_NAME[request.kind].extendable:
        raise Conflict(
            "A complaint is answered within 30 days: its deadline cannot be extended.",
            code="privacy.complaint_not_extendable",
        )
    total = request.extended_months + months
    if months < 1 or total > MAX_EXTENSION_MONTHS:
        raise ValidationFailed(
            f"A request can be extended by at most {MAX_EXTENSION_MONTHS} months in all.",
            code="privacy.extension_too_long",
            details={"already_extended_months": request.extended_months},
        )
    now = ctx.clock.now()
    if request.due_at <= now:
        raise Conflict(
            "The deadline has passed: it can no longer be extended.", code="privacy.deadline_passed"
        )
    request.extended_months = total
    request.extension_reason = _reason(reason, "reason")
    request.due_at = due_date(KIND_BY_NAME[request.kind], request.received_at, total)
    note = f"extended to {day(request.due_at)}: {request.extension_reason}"
    return _move(ctx, db, request, EXTENDED, operator=operator, note=note)


def charge(
    ctx: AppContext, db: Session, *, request_id: str, operator: str, fee_cents: int, reason: str
) -> RightsRequest:
    """Ask a fee at cost for a repetitive or excessive request, with the reason shown (P26)."""
    request = _open(db, request_id, verified=False)
    if not 0 < fee_cents <= 100_000:
        raise ValidationFailed(
            "The fee must be between 0.01 and 1000.00.", code="privacy.fee_invalid"
        )
    request.fee_cents, request.fee_reason = fee_cents, _reason(reason, "reason")
    now = ctx.clock.now()
    note = f"fee of {fee_cents / 100:.2f} asked: {request.fee_reason}"
    record_step(db, request, now, by="operator", note=note)
    audit_step(db, request, now, actor=audit.actor_operator(operator), action="request.fee_asked")
    _tell_person(ctx, db, request, f"A fee applies to your request. {note}")
    return request


@dataclass(frozen=True)
class Reminder:
    request_id: str
    kind: str
    due_at: datetime
    overdue: bool


def remind(ctx: AppContext, db: Session) -> list[Reminder]:
    """Open requests due within the reminder window (or overdue), at most one mail a day."""
    now = ctx.clock.now()
    horizon = now + timedelta(days=ctx.settings.request_reminder_days)
    quiet_since = now - timedelta(days=1)
    due = [
        r for r in list_all(db, open_only=True)
        if r.due_at <= horizon and (r.reminded_at is None or r.reminded_at <= quiet_since)
    ]  # fmt: skip
    reminders = [Reminder(r.id, r.kind, r.due_at, r.due_at <= now) for r in due]
    if not reminders:
        return reminders
    lines = [
        f"- {r.kind} {r.request_id}: {'OVERDUE since' if r.overdue else 'due'} {day(r.due_at)}"
        for r in reminders
    ]
    mailed = tell_operator(ctx, "Rights requests need an answer:\n" + "\n".join(lines))
    for request, reminder in zip(due, reminders, strict=True):
        request.reminded_at = now
        audit_step(
            db, request, now, actor=audit.SYSTEM, action="request.operator_reminded",
            extra={"overdue": reminder.overdue, "mailed": mailed},
        )  # fmt: skip
    return reminders


# ---- internals -------------------------------------------------------------------------


def _kind(name: str) -> RequestKind:
    kind = KIND_BY_NAME.get(name)
    if kind is None:
        raise ValidationFailed(
            "Unknown kind of request.", code="privacy.request_kind_unknown",
            details={"kinds": [k.name for k in KINDS]},
        )  # fmt: skip
    return kind


def _details(text: str) -> str:
    cleaned = text.strip()
    if not cleaned or len(cleaned) > MAX_DETAILS:
        raise ValidationFailed(
            f"Describe the request in 1 to {MAX_DETAILS} characters.",
            code="privacy.request_details",
        )
    return cleaned


def _reason(text: str, field: str) -> str:
    cleaned = text.strip()
    if not cleaned or len(cleaned) > MAX_DETAILS:
        raise ValidationFailed(
            f"Give a {field} (1 to {MAX_DETAILS} characters).", code="privacy.reason_required"
        )
    return cleaned


def _earlier_similar(
    ctx: AppContext, db: Session, *, user_id: str, kind: str, now: datetime
) -> str | None:
    since = now - timedelta(days=ctx.settings.request_repeat_days)
    query = select(RightsRequest.id).where(
        RightsRequest.user_id == user_id,
        RightsRequest.kind == kind,
        RightsRequest.received_at >= since,
    )
    return db.scalars(query.order_by(RightsRequest.received_at.desc()).limit(1)).first()


def _open(db: Session, request_id: str, *, verified: bool) -> RightsRequest:
    request = get(db, request_id)
    if request.status not in OPEN_STATES:
        raise Conflict("This request is already closed.", code="privacy.request_closed")
    if verified and request.status == RECEIVED:
        raise Conflict(
            "The person's identity is not verified yet: the request cannot run.",
            code="privacy.identity_unverified",
        )
    return request


def _move(
    ctx: AppContext, db: Session, request: RightsRequest, status: str, *, operator: str,
    note: str | None, tell: bool = True,
) -> RightsRequest:  # fmt: skip
    now = ctx.clock.now()
    request.status = status
    record_step(db, request, now, by="operator", note=note)
    audit_step(db, request, now, actor=audit.actor_operator(operator), action=f"request.{status}")
    if tell:
        _tell_person(ctx, db, request, _status_sentence(request))
    return request


def _status_sentence(request: RightsRequest) -> str:
    if request.status == COMPLETED:
        return f"Your request is complete. {request.resolution}"
    if request.status == REFUSED:
        return f"Your request was refused. Reason: {request.refusal_reason}"
    return (
        f"Your request needs more time: we will answer by {day(request.due_at)}. "
        f"Reason: {request.extension_reason}"
    )


def _tell_person(ctx: AppContext, db: Session, request: RightsRequest, sentence: str) -> None:
    title = KIND_BY_NAME[request.kind].title
    tell_person(ctx, db, request, title=title, sentence=sentence)


def record_step(
    db: Session, request: RightsRequest, at: datetime, *, by: str, note: str | None
) -> None:
    db.add(RequestStep(request_id=request.id, at=at, status=request.status, by=by, note=note))


def audit_step(
    db: Session, request: RightsRequest, at: datetime, *, actor: str, action: str,
    extra: dict[str, object] | None = None,
) -> None:  # fmt: skip
    """One audit entry for a step of `request`: identifiers and states only, never what was
    written, a code or an address. A complaint without an account has no subject; its
    entries are found by the request id."""
    details = {"request_id": request.id, "kind": request.kind, "status": request.status}
    audit.record(
        db, at=at, actor=actor, action=action, subject_id=request.user_id,
        details={**details, **(extra or {})},
    )  # fmt: skip


def _code_purpose(request: RightsRequest) -> str:
    return f"request:{request.id[:24]}"
