"""`POST /api/v1/privacy/closure`: close your account; its data goes 6 months later (P34).

Password (and the authenticator code when two-step sign-in is on) are asked again. Every
session and API token ends at once, this one included; the signed receipt comes back here
and by mail. To delete everything at once instead, use `/api/v1/privacy/erasure/account`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Response
from pydantic import BaseModel, Field, StringConstraints

from hearthwatch.accounts.schemas import Strict
from hearthwatch.api.deps import SESSION_COOKIE, ContextDep, DbDep, UserDep
from hearthwatch.privacy.erasure.schemas import Password, SignedReceipt
from hearthwatch.privacy.retention import own_closure

router = APIRouter(tags=["privacy"])


class ClosureIn(Strict):
    password: Password
    totp_code: Annotated[str, StringConstraints(max_length=16)] | None = None


class ClosureOut(BaseModel):
    closed_at: datetime
    delete_after: datetime = Field(description="From then on the retention sweep deletes it.")
    receipt: SignedReceipt


@router.post("/closure", response_model=ClosureOut)
def close_account(
    body: ClosureIn,
    user: UserDep,
    ctx: ContextDep,
    db: DbDep,
    tasks: BackgroundTasks,
    response: Response,
) -> ClosureOut:
    """Close the account: sign-in refused, sessions and tokens ended, recording stopped,
    data kept 6 months and then deleted for good. It cannot be reopened."""
    closed = own_closure.close_own_account(
        ctx, db, user=user, password=body.password, totp_code=body.totp_code
    )
    tasks.add_task(ctx.mailer.send, closed.mail)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return ClosureOut(
        closed_at=closed.closed_at,
        delete_after=closed.delete_after,
        receipt=SignedReceipt(**closed.receipt),
    )
