"""`/api/v1/privacy/requests`: the person's rights requests and complaints (P17-P27)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, Field, StringConstraints

from hearthwatch.access.resolver import Action, Kind
from hearthwatch.accounts.schemas import Strict
from hearthwatch.api.deps import ContextDep, DbDep, UserDep, authorized
from hearthwatch.privacy.notice import contact as notice_contact
from hearthwatch.privacy.requests import service as requests
from hearthwatch.privacy.requests.models import RequestStep, RightsRequest

router = APIRouter(prefix="/requests", tags=["privacy"])

RequestId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
# The path's request, if it is the caller's own (the permission resolver decides).
OwnRequest = Annotated[
    RightsRequest, authorized(Kind.RIGHTS_REQUEST, Action.VIEW, param="request_id")
]
KindName = Literal[
    "access", "rectification", "erasure", "restriction", "objection", "portability", "other",
    "complaint",
]  # fmt: skip


class RequestCreate(Strict):
    kind: KindName
    details: Annotated[str, StringConstraints(min_length=1, max_length=requests.MAX_DETAILS)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class CodeIn(Strict):
    code: Annotated[str, StringConstraints(pattern=r"^\s*\d{6}\s*$")]


class StepPublic(BaseModel):
    at: datetime
    status: str
    by: str
    note: str | None

    @classmethod
    def of(cls, step: RequestStep) -> StepPublic:
        return cls(at=step.at, status=step.status, by=step.by, note=step.note)


class RequestPublic(BaseModel):
    id: str
    kind: str
    title: str
    status: str
    details: str
    received_at: datetime
    due_at: datetime
    verified_at: datetime | None
    extended_months: int
    extension_reason: str | None
    refusal_reason: str | None
    fee_cents: int | None
    fee_reason: str | None
    resolution: str | None
    closed_at: datetime | None
    repeat_of: str | None
    steps: list[StepPublic]

    @classmethod
    def of(cls, request: RightsRequest, steps: list[RequestStep]) -> RequestPublic:
        return cls(
            id=request.id,
            kind=request.kind,
            title=requests.KIND_BY_NAME[request.kind].title,
            status=request.status,
            details=request.details,
            received_at=request.received_at,
            due_at=request.due_at,
            verified_at=request.verified_at,
            extended_months=request.extended_months,
            extension_reason=request.extension_reason,
            refusal_reason=request.refusal_reason,
            fee_cents=request.fee_cents,
            fee_reason=request.fee_reason,
            resolution=request.resolution,
            closed_at=request.closed_at,
            repeat_of=request.repeat_of,
            steps=[StepPublic.of(s) for s in steps],
        )


class KindPublic(BaseModel):
    name: str
    title: str
    promise: str
    explanation: str


class Authority(BaseModel):
    name: str
    url: str
    email: str | None


@router.get("/kinds", response_model=list[KindPublic])
async def list_kinds() -> list[KindPublic]:
    """What a request can be about."""
    return [KindPublic(name=k.name, title=k.title, promise=k.promise, explanation=k.explanation)
            for k in requests.KINDS]  # fmt: skip


@router.get("/authority", response_model=Authority)
async def supervisory_authority(ctx: ContextDep) -> Authority:
    """Where to complain besides us (P27)."""
    return Authority.model_validate(notice_contact.authority(ctx.settings))


@router.get("", response_model=list[RequestPublic])
def list_requests(user: UserDep, db: DbDep) -> list[RequestPublic]:
    return [
        RequestPublic.of(r, requests.steps_of(db, r.id))
        for r in requests.list_own(db, user_id=user.id)
    ]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RequestPublic)
def create_request(body: RequestCreate, user: UserDep, ctx: ContextDep, db: DbDep) -> RequestPublic:
    """Make a request: re-enter the password; a code is then mailed to verify identity."""
    made = requests.submit(
        ctx, db, user=user, kind=body.kind, details=body.details, password=body.password
    )
    return RequestPublic.of(made, requests.steps_of(db, made.id))


@router.get("/{request_id}", response_model=RequestPublic)
def read_request(found: OwnRequest, db: DbDep) -> RequestPublic:
    return RequestPublic.of(found, requests.steps_of(db, found.id))


@router.post("/{request_id}/verify", response_model=RequestPublic)
def verify_request(
    request_id: RequestId, body: CodeIn, user: UserDep, ctx: ContextDep, db: DbDep
) -> RequestPublic:
    """Enter the mailed code: the request is then verified and runs."""
    verified = requests.verify_identity(
        ctx, db, user=user, request_id=request_id, code=body.code.strip()
    )
    return RequestPublic.of(verified, requests.steps_of(db, verified.id))


@router.post("/{request_id}/code", status_code=status.HTTP_204_NO_CONTENT)
def resend_code(found: OwnRequest, user: UserDep, ctx: ContextDep, db: DbDep) -> None:
    requests.send_code(ctx, db, user=user, request=found)
