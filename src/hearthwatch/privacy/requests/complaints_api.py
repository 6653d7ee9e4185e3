"""`/api/v1/privacy/complaints`: complaints from people without an account (P27).

    GET  /privacy/complaints                      whom to complain to (?notice_version)
    POST /privacy/complaints                      name (optional), e-mail, text   202
    POST /privacy/complaints/{pending_id}/code    mail a new code                 202
    POST /privacy/complaints/{pending_id}/verify  the mailed code: registered     201

None needs an account, and none looks one up. Every route that mails a code is throttled
per client and per address, and entering codes per client, like sign-up and reset. A
registered complaint is answered on the operator's desk within 30 days; each update is
mailed to the proven address.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, status
from pydantic import BaseModel, StringConstraints

from hearthwatch.accounts.schemas import Accepted, Email, Strict
from hearthwatch.api.deps import ContextDep, DbDep, client_ip
from hearthwatch.context import AppContext
from hearthwatch.privacy.requests import complaints
from hearthwatch.privacy.requests import service as requests
from hearthwatch.privacy.requests.api import CodeIn
from hearthwatch.privacy.requests.models import PendingComplaint, RightsRequest

router = APIRouter(prefix="/complaints", tags=["privacy"])

PendingId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
RATE_LIMITED = "privacy.rate_limited"
CODE_SENT = "We mailed a 6-digit code to the address you gave: enter it to send the complaint."


class ComplaintIn(Strict):
    email: Email
    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=complaints.MAX_NAME)]
        | None
    ) = None
    details: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=requests.MAX_DETAILS)
    ]


class PendingOut(BaseModel):
    id: str
    status: str = "code_sent"
    message: str = CODE_SENT
    code_expires_at: datetime

    @classmethod
    def of(cls, pending: PendingComplaint) -> PendingOut:
        return cls(id=pending.id, code_expires_at=pending.code_expires_at)


class ComplaintOut(BaseModel):
    id: str
    status: str
    received_at: datetime
    due_at: datetime
    message: str

    @classmethod
    def of(cls, complaint: RightsRequest) -> ComplaintOut:
        return cls(
            id=complaint.id, status=complaint.status, received_at=complaint.received_at,
            due_at=complaint.due_at,
            message="Your complaint is registered; the answer is mailed to your address.",
        )  # fmt: skip


class ComplaintContactOut(BaseModel):
    """Whom to ask and complain to, as the notice version states it (today's where an older
    version did not say): the same rule as the notice page (`complaints.contact_in`)."""

    notice_version: int | None
    controller: dict[str, Any]
    your_rights: list[dict[str, Any]]
    complaints: dict[str, Any]


def throttle_client(ctx: AppContext, request: Request, action: str = "complaint") -> None:
    """One more try from this client (counted before anything is looked up)."""
    ctx.code_throttle.hit(f"{action}:{client_ip(request)}", code=RATE_LIMITED)


def throttle_address(ctx: AppContext, address: str) -> None:
    """One more code mailed to this address, however it is spelled."""
    ctx.code_throttle.hit(f"complaint:{address.lower()}", code=RATE_LIMITED)


@router.get("", response_model=ComplaintContactOut)
def complaint_contact(
    ctx: ContextDep,
    db: DbDep,
    notice_version: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ComplaintContactOut:
    """Whom to complain to and how, as notice `notice_version` (default: in force) says."""
    number, contact = complaints.contact_of_notice(ctx, db, version=notice_version)
    return ComplaintContactOut(notice_version=number, **contact)


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=PendingOut)
def submit_complaint(body: ComplaintIn, request: Request, ctx: ContextDep, db: DbDep) -> PendingOut:
    """Write a complaint without an account; it is sent once the mailed code is entered."""
    throttle_client(ctx, request)
    throttle_address(ctx, body.email)
    pending = complaints.submit(ctx, db, email=body.email, name=body.name, details=body.details)
    return PendingOut.of(pending)


@router.post("/{pending_id}/code", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
def resend_code(pending_id: PendingId, request: Request, ctx: ContextDep, db: DbDep) -> Accepted:
    """Mail a new code; the earlier one stops working."""
    throttle_client(ctx, request)
    pending = complaints.get_pending(ctx, db, pending_id)
    throttle_address(ctx, pending.email)
    complaints.send_code(ctx, db, pending_id=pending.id)
    return Accepted(status="code_sent", message=CODE_SENT)


@router.post(
    "/{pending_id}/verify", status_code=status.HTTP_201_CREATED, response_model=ComplaintOut
)
def verify_complaint(
    pending_id: PendingId, body: CodeIn, request: Request, ctx: ContextDep, db: DbDep
) -> ComplaintOut:
    """Enter the mailed code: the complaint is registered, due within 30 days."""
    throttle_client(ctx, request, "complaint-code")
    registered = complaints.verify(ctx, db, pending_id=pending_id, code=body.code.strip())
    return ComplaintOut.of(registered)
