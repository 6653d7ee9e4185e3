"""`/api/v1/privacy/erasure`: erase recordings, a device's data, or the account (P19, P20).

An erasure's files are deleted right after the answer, by its queued `erasure.run` job run
in this request's background task; the node's job runner finishes any that a stopped
process left (jobs/). This router starts no background work of its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Response, status

from hearthwatch.api.deps import SESSION_COOKIE, ContextDep, DbDep, UserDep
from hearthwatch.privacy.erasure import identity as erasure_identity
from hearthwatch.privacy.erasure import service as erasure
from hearthwatch.privacy.erasure.schemas import (
    AccountErasureIn,
    CodeSent,
    DeviceErasure,
    ErasureIn,
    RangeErasure,
    SignedReceipt,
)

router = APIRouter(prefix="/erasure", tags=["privacy"])

ReceiptId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


def _us(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


@router.post("", response_model=SignedReceipt)
def erase(
    body: ErasureIn, user: UserDep, ctx: ContextDep, db: DbDep, tasks: BackgroundTasks
) -> SignedReceipt:
    """Erase a recording range, one recorded segment, or all of a device's recordings
    (`unbind` to remove the camera too). Device erasure destroys the camera's key first."""
    if isinstance(body, RangeErasure):
        outcome = erasure.erase_range(
            ctx,
            db,
            user_id=user.id,
            camera_id=body.camera_id,
            start_us=_us(body.start),
            end_us=_us(body.end),
        )
    elif isinstance(body, DeviceErasure):
        outcome = erasure.erase_device(
            ctx, db, user_id=user.id, camera_id=body.camera_id, unbind=body.unbind
        )
    else:
        outcome = erasure.erase_segment(ctx, db, user_id=user.id, segment_id=body.segment_id)
    if outcome.job_id:
        tasks.add_task(erasure.run_job, ctx, outcome.job_id)
    return SignedReceipt(**outcome.receipt)


@router.post("/account/code", response_model=CodeSent, status_code=status.HTTP_202_ACCEPTED)
def send_account_code(user: UserDep, ctx: ContextDep, db: DbDep) -> CodeSent:
    """Mail the 6-digit code that account deletion asks for."""
    erasure_identity.request_code(ctx, db, user=user)
    return CodeSent(sent=True, expires_in_minutes=erasure_identity.CODE_MINUTES)


@router.post("/account", response_model=SignedReceipt)
def erase_account(
    body: AccountErasureIn,
    user: UserDep,
    ctx: ContextDep,
    db: DbDep,
    tasks: BackgroundTasks,
    response: Response,
) -> SignedReceipt:
    """Delete the account and all its data, after password, two-step code (if on) and the
    mailed code. The signed receipt is returned here and mailed to the address."""
    erasure_identity.check_identity(
        ctx, db, user=user, password=body.password, code=body.code, totp_code=body.totp_code
    )
    outcome = erasure.erase_account_data(ctx, db, user=user)
    if outcome.job_id:
        tasks.add_task(erasure.run_job, ctx, outcome.job_id)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return SignedReceipt(**outcome.receipt)


@router.get("/receipts", response_model=list[SignedReceipt])
def list_receipts(user: UserDep, db: DbDep) -> list[SignedReceipt]:
    """Your erasure receipts, newest first."""
    return [SignedReceipt(**r) for r in erasure.receipts_of(db, user_id=user.id)]


@router.get("/receipts/{receipt_id}", response_model=SignedReceipt)
def read_receipt(receipt_id: ReceiptId, user: UserDep, db: DbDep) -> SignedReceipt:
    """One erasure receipt, to download and keep."""
    return SignedReceipt(**erasure.receipt_of(db, user_id=user.id, receipt_id=receipt_id))
