"""`/api/v1/privacy/operator/requests/{id}/corrections`: operators correct a requester's data.

For a rectification request whose identity is verified and on which work has started, the
operator lists the fields the data map lets them correct (with the current values masked)
and sets one. Everyone else gets 403 `operator.required`; see privacy/requests/rectification.py for
what is checked and what is recorded.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field, StringConstraints

from hearthwatch.accounts.schemas import Strict
from hearthwatch.api.deps import ContextDep, DbDep, Operator
from hearthwatch.privacy.requests import operator as requests_operator
from hearthwatch.privacy.requests import rectification
from hearthwatch.privacy.requests.api import RequestId
from hearthwatch.privacy.requests.operator_api import OperatorRequest

router = APIRouter(prefix="/operator/requests", tags=["privacy operator"])


class CorrectionTarget(BaseModel):
    field: str = Field(description="`table.column` of the data map.")
    record_id: str = Field(description="The row: the account itself, or one camera or token.")
    label: str
    current: str = Field(description="The stored value, masked to its initials (P45).")
    max_length: int | None
    required: bool

    @classmethod
    def of(cls, target: rectification.Target) -> CorrectionTarget:
        return cls(
            field=target.field.key, record_id=target.record_id, label=target.label,
            current=target.current, max_length=target.max_length, required=target.required,
        )  # fmt: skip


class Correction(Strict):
    field: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,64}\.[a-z_]{1,64}$")]
    record_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")] | None = Field(
        default=None, description="Which row; leave out for a field of the account itself."
    )
    value: Annotated[str, Field(max_length=4000)] = Field(
        description="The corrected value; empty clears a field that may be empty."
    )


@router.get("/{request_id}/corrections", response_model=list[CorrectionTarget])
def list_corrections(
    request_id: RequestId, operator: Operator, ctx: ContextDep, db: DbDep
) -> list[CorrectionTarget]:
    """What may be corrected on this request, current values masked."""
    found = rectification.targets(ctx, db, request_id=request_id, operator=operator.name)
    return [CorrectionTarget.of(t) for t in found]


@router.post("/{request_id}/corrections", response_model=OperatorRequest)
def correct(
    request_id: RequestId, body: Correction, operator: Operator, ctx: ContextDep, db: DbDep
) -> OperatorRequest:
    """Correct one field; the step is shown to the person and the access is audited."""
    changed = rectification.correct(
        ctx, db, request_id=request_id, operator=operator.name, field=body.field,
        record_id=body.record_id, value=body.value,
    )  # fmt: skip
    return OperatorRequest.opened(requests_operator.after_change(ctx, db, changed))
