"""`/api/v1/privacy/consents`: each purpose's state, changes with signed receipts, history.

Writes by cookie-authenticated callers carry the CSRF header, as everywhere (api/deps.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from hearthwatch.access.resolver import Action, Kind
from hearthwatch.api.deps import ContextDep, DbDep, UserDep, authorized
from hearthwatch.context import AppContext
from hearthwatch.privacy.consent import service as consent
from hearthwatch.privacy.consent.models import ConsentRecord
from hearthwatch.privacy.consent.schemas import (
    ConsentChangeOut,
    ConsentDecision,
    ConsentHistoryEntry,
    ConsentPublic,
    Receipt,
)
from hearthwatch.privacy.consent.service import Channel

router = APIRouter(tags=["privacy"])

PurposeKey = Annotated[str, Path(pattern=r"^[a-z][a-z_]{0,39}$")]
LedgerId = Annotated[int, Path(ge=1, le=2**62)]
# The path's consent change, if it is the caller's own (the permission resolver decides).
OwnChange = Annotated[
    ConsentRecord,
    authorized(Kind.CONSENT_CHANGE, Action.VIEW, param="ledger_id", id_type=LedgerId),
]


@router.get("/consents", response_model=list[ConsentPublic])
def list_consents(user: UserDep, db: DbDep) -> list[ConsentPublic]:
    """Every purpose that needs consent, with its state: granted, withdrawn or not asked."""
    states = consent.current(db, user.id)
    return [ConsentPublic.of(p, states[p.key]) for p in consent.purposes()]


@router.get("/consents/history", response_model=list[ConsentHistoryEntry])
def consent_history(user: UserDep, db: DbDep) -> list[ConsentHistoryEntry]:
    """Every consent decision the person made, newest first; none is ever changed."""
    return [ConsentHistoryEntry.of(r) for r in consent.history(db, user_id=user.id)]


@router.get("/consents/history/{ledger_id}/receipt", response_model=Receipt)
def download_receipt(change: OwnChange, ctx: ContextDep) -> JSONResponse:
    """The signed receipt of one change, as a file to keep."""
    name = f"consent-receipt-{change.id}.json"
    return JSONResponse(
        consent.receipt(ctx, change),
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@router.put("/consents/{purpose}", response_model=ConsentChangeOut)
def set_consent(
    purpose: PurposeKey, body: ConsentDecision, user: UserDep, ctx: ContextDep, db: DbDep
) -> ConsentChangeOut:
    """Grant (`true`) or withdraw (`false`); answers with the signed receipt of the decision."""
    return _decide(ctx, db, user.id, purpose, granted=body.granted)


@router.post("/consents/{purpose}/grant", response_model=ConsentChangeOut)
def grant_consent(
    purpose: PurposeKey, user: UserDep, ctx: ContextDep, db: DbDep
) -> ConsentChangeOut:
    return _decide(ctx, db, user.id, purpose, granted=True)


@router.post("/consents/{purpose}/withdraw", response_model=ConsentChangeOut)
def withdraw_consent(
    purpose: PurposeKey, user: UserDep, ctx: ContextDep, db: DbDep
) -> ConsentChangeOut:
    """Stops the processing at once; what was done before stays lawful (P24)."""
    return _decide(ctx, db, user.id, purpose, granted=False)


def _decide(
    ctx: AppContext, db: DbDep, user_id: str, purpose: str, *, granted: bool
) -> ConsentChangeOut:
    changed = consent.change(
        ctx, db, user_id=user_id, purpose=purpose, granted=granted, channel=Channel.API
    )
    state = consent.ConsentState.of(changed.record)
    return ConsentChangeOut(
        consent=ConsentPublic.of(consent.find_purpose(purpose), state),
        receipt=Receipt(**changed.receipt),
    )
