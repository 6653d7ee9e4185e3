"""`/api/v1/privacy/operator/requests`: operators answer rights requests and complaints.

Only accounts with the operator role get past the `Operator` dependency of each route
(api/deps.py, access/principal.py): everyone else gets 403 `operator.required`. Opening a
request is audited; every change is a step the person sees and an entry in the audit log
(P25-P27).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy.orm import Session

from hearthwatch.access.principal import Principal
from hearthwatch.accounts.schemas import Strict
from hearthwatch.api.deps import ContextDep, DbDep, Operator
from hearthwatch.context import AppContext
from hearthwatch.privacy.requests import operator as requests_operator
from hearthwatch.privacy.requests import service as requests
from hearthwatch.privacy.requests.api import RequestId, StepPublic
from hearthwatch.privacy.requests.models import RightsRequest

router = APIRouter(prefix="/operator/requests", tags=["privacy operator"])

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class Resolution(Strict):
    resolution: Text


class Reason(Strict):
    reason: Text


class Extension(Strict):
    months: Literal[1, 2]
    reason: Text


class Fee(Strict):
    fee_cents: Annotated[int, Field(gt=0, le=100_000)]
    reason: Text


class OperatorEntry(BaseModel):
    id: str
    kind: str
    title: str
    status: str
    person: str = Field(description="The requester's e-mail address, masked (P45).")
    received_at: datetime
    due_at: datetime
    overdue: bool
    repeat_of: str | None
    fee_cents: int | None

    @classmethod
    def of(cls, entry: requests_operator.Entry) -> OperatorEntry:
        r = entry.request
        return cls(
            id=r.id, kind=r.kind, title=requests.KIND_BY_NAME[r.kind].title, status=r.status,
            person=entry.person, received_at=r.received_at, due_at=r.due_at,
            overdue=entry.overdue, repeat_of=r.repeat_of, fee_cents=r.fee_cents,
        )  # fmt: skip


class OperatorRequest(OperatorEntry):
    details: str
    verified_at: datetime | None
    extended_months: int
    extension_reason: str | None
    refusal_reason: str | None
    fee_reason: str | None
    resolution: str | None
    closed_at: datetime | None
    steps: list[StepPublic]

    @classmethod
    def opened(cls, opened: requests_operator.Opened) -> OperatorRequest:
        r = opened.entry.request
        return cls(
            **OperatorEntry.of(opened.entry).model_dump(), details=r.details,
            verified_at=r.verified_at, extended_months=r.extended_months,
            extension_reason=r.extension_reason, refusal_reason=r.refusal_reason,
            fee_reason=r.fee_reason, resolution=r.resolution, closed_at=r.closed_at,
            steps=[StepPublic.of(s) for s in opened.steps],
        )  # fmt: skip


@router.get("", response_model=list[OperatorEntry])
def list_requests(
    operator: Operator, ctx: ContextDep, db: DbDep,
    state: Annotated[Literal["open", "all"], Query()] = "open",
) -> list[OperatorEntry]:  # fmt: skip
    """Requests by due date, the most urgent first; `state=all` includes closed ones."""
    found = requests_operator.listing(ctx, db, open_only=state == "open")
    return [OperatorEntry.of(entry) for entry in found]


@router.get("/{request_id}", response_model=OperatorRequest)
def read_request(
    request_id: RequestId, operator: Operator, ctx: ContextDep, db: DbDep
) -> OperatorRequest:
    """One request with its steps; the opening is written to the audit log."""
    opened = requests_operator.view(ctx, db, request_id=request_id, operator=operator.name)
    return OperatorRequest.opened(opened)


@router.post("/{request_id}/start", response_model=OperatorRequest)
def start(request_id: RequestId, operator: Operator, ctx: ContextDep, db: DbDep) -> OperatorRequest:
    """Start work on a request whose identity check is done."""
    return _act(ctx, db, operator, lambda op: requests.start(
        ctx, db, request_id=request_id, operator=op))  # fmt: skip


@router.post("/{request_id}/complete", response_model=OperatorRequest)
def complete(
    request_id: RequestId, body: Resolution, operator: Operator, ctx: ContextDep, db: DbDep
) -> OperatorRequest:
    """Answer the request; the person is told the resolution."""
    return _act(ctx, db, operator, lambda op: requests.complete(
        ctx, db, request_id=request_id, operator=op, resolution=body.resolution))  # fmt: skip


@router.post("/{request_id}/refuse", response_model=OperatorRequest)
def refuse(
    request_id: RequestId, body: Reason, operator: Operator, ctx: ContextDep, db: DbDep
) -> OperatorRequest:
    """Refuse with the reason the person is shown (P26)."""
    return _act(ctx, db, operator, lambda op: requests.refuse(
        ctx, db, request_id=request_id, operator=op, reason=body.reason))  # fmt: skip


@router.post("/{request_id}/extend", response_model=OperatorRequest)
def extend(
    request_id: RequestId, body: Extension, operator: Operator, ctx: ContextDep, db: DbDep
) -> OperatorRequest:
    """Extend by up to two further months in all, with a reason, before the deadline."""
    return _act(ctx, db, operator, lambda op: requests.extend(
        ctx, db, request_id=request_id, operator=op, months=body.months,
        reason=body.reason))  # fmt: skip


@router.post("/{request_id}/charge", response_model=OperatorRequest)
def charge(
    request_id: RequestId, body: Fee, operator: Operator, ctx: ContextDep, db: DbDep
) -> OperatorRequest:
    """Ask a fee at cost for a repetitive or excessive request, with the reason (P26)."""
    return _act(ctx, db, operator, lambda op: requests.charge(
        ctx, db, request_id=request_id, operator=op, fee_cents=body.fee_cents,
        reason=body.reason))  # fmt: skip


def _act(
    ctx: AppContext, db: Session, operator: Principal,
    change: Callable[[str], RightsRequest],
) -> OperatorRequest:  # fmt: skip
    changed = change(operator.name)
    return OperatorRequest.opened(requests_operator.after_change(ctx, db, changed))
