"""The operator's desk: rights requests as the people who answer them see them (P25-P27).

The CLI (`hearthwatch privacy requests`), the API (`/api/v1/privacy/operator/requests`) and
the web pages (`/operator/requests`) all read requests through here, so each shows the same
thing and each opening of someone's request is audited the same way (item 17). The person
behind a request is shown by masked address only (P45): enough to tell requests apart. A
complaint from someone without an account shows their proven address, masked the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from hearthwatch.accounts.emails import emails_by_id
from hearthwatch.context import AppContext
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.requests import service as requests
from hearthwatch.privacy.requests.models import RequestStep, RightsRequest
from hearthwatch.security.masking import mask_email


@dataclass(frozen=True)
class Entry:
    """One request on the operator's list."""

    request: RightsRequest
    person: str  # the masked e-mail address
    overdue: bool


@dataclass(frozen=True)
class Opened:
    """One request opened by an operator, with its steps."""

    entry: Entry
    steps: list[RequestStep]


def listing(ctx: AppContext, db: Session, *, open_only: bool) -> list[Entry]:
    """Requests by due date (the most urgent first), with who made them, masked."""
    found = requests.list_all(db, open_only=open_only)
    people = _masked_addresses(db, {r.user_id for r in found if r.user_id is not None})
    now = ctx.clock.now()
    return [_entry(r, _person(r, people), now) for r in found]


def view(ctx: AppContext, db: Session, *, request_id: str, operator: str) -> Opened:
    """One request as an operator opens it; someone else reads it, so that is audited."""
    request = requests.get(db, request_id)
    audit.record(
        db, at=ctx.clock.now(), actor=audit.actor_operator(operator),
        action="personal_data.viewed", subject_id=request.user_id,
        details={"what": "rights_request", "request_id": request.id},
    )  # fmt: skip
    return after_change(ctx, db, request)


def after_change(ctx: AppContext, db: Session, request: RightsRequest) -> Opened:
    """The request as it stands after the operator's own change (which is audited itself)."""
    owner = {request.user_id} if request.user_id is not None else set()
    entry = _entry(request, _person(request, _masked_addresses(db, owner)), ctx.clock.now())
    return Opened(entry=entry, steps=requests.steps_of(db, request.id))


def _entry(request: RightsRequest, person: str, now: datetime) -> Entry:
    overdue = request.status in requests.OPEN_STATES and request.due_at <= now
    return Entry(request=request, person=person, overdue=overdue)


def _person(request: RightsRequest, accounts: dict[str, str]) -> str:
    """Who made a request, masked: an account's address, or a complainant's without one."""
    if request.user_id is None:
        return f"{mask_email(request.complainant_email or '')} (no account)"
    return accounts.get(request.user_id, "(closed account)")


def _masked_addresses(db: Session, user_ids: set[str]) -> dict[str, str]:
    if not user_ids:
        return {}
    return {user_id: mask_email(email) for user_id, email in emails_by_id(db, user_ids).items()}
