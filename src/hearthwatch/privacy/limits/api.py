"""`/api/v1/privacy/limits`: restrictions (P21) and objections (P22) a person sets."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Path, status
from pydantic import AwareDatetime, BaseModel, Field

from hearthwatch.accounts.schemas import Strict
from hearthwatch.api.deps import ContextDep, DbDep, UserDep
from hearthwatch.privacy.limits import service as limits
from hearthwatch.privacy.limits.models import ProcessingLimit

router = APIRouter(prefix="/limits", tags=["privacy"])

LimitId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
if TYPE_CHECKING:
    UseName = str
else:  # the uses the data map declares, as an enum in the OpenAPI document
    UseName = Literal[tuple(use.name for use in limits.USES)]
Reason = Annotated[str, Field(max_length=limits.MAX_REASON)]


class RestrictionIn(Strict):
    use: UseName | Literal["all"] = "all"
    camera_id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")] | None = None
    until: AwareDatetime | None = None
    reason: Reason | None = None


class ObjectionIn(Strict):
    use: UseName
    reason: Reason | None = None


class LimitPublic(BaseModel):
    id: str
    kind: str
    use: str
    camera_id: str | None
    reason: str | None
    started_at: datetime
    until: datetime | None
    lifted_at: datetime | None

    @classmethod
    def of(cls, limit: ProcessingLimit) -> LimitPublic:
        return cls(
            id=limit.id, kind=limit.kind, use=limit.use, camera_id=limit.camera_id,
            reason=limit.reason, started_at=limit.started_at, until=limit.until,
            lifted_at=limit.lifted_at,
        )  # fmt: skip


class LimitChanged(BaseModel):
    limit: LimitPublic
    receipt: dict[str, Any]


@router.get("", response_model=list[LimitPublic])
def list_limits(user: UserDep, ctx: ContextDep, db: DbDep) -> list[LimitPublic]:
    """The restrictions and objections in force."""
    return [LimitPublic.of(x) for x in limits.active(db, user_id=user.id, at=ctx.clock.now())]


@router.post("/restrictions", status_code=status.HTTP_201_CREATED, response_model=LimitChanged)
def restrict(body: RestrictionIn, user: UserDep, ctx: ContextDep, db: DbDep) -> LimitChanged:
    """Keep the data but stop a use of it (or every use), for a time or for good."""
    made = limits.restrict(
        ctx, db, user_id=user.id, use=body.use, camera_id=body.camera_id, until=body.until,
        reason=body.reason,
    )  # fmt: skip
    return LimitChanged(limit=LimitPublic.of(made), receipt=limits.receipt(ctx, made))


@router.post("/objections", status_code=status.HTTP_201_CREATED, response_model=LimitChanged)
def object_to(body: ObjectionIn, user: UserDep, ctx: ContextDep, db: DbDep) -> LimitChanged:
    """Object to a use based on legitimate interest or consent: honoured at once."""
    made = limits.object_to(ctx, db, user_id=user.id, use=body.use, reason=body.reason)
    return LimitChanged(limit=LimitPublic.of(made), receipt=limits.receipt(ctx, made))


@router.delete("/{limit_id}", response_model=LimitChanged)
def lift(limit_id: LimitId, user: UserDep, ctx: ContextDep, db: DbDep) -> LimitChanged:
    """End a restriction, or withdraw an objection."""
    lifted = limits.lift(ctx, db, user_id=user.id, limit_id=limit_id)
    return LimitChanged(limit=LimitPublic.of(lifted), receipt=limits.receipt(ctx, lifted))
