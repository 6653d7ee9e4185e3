"""`/api/v1/privacy/*`: the privacy engine's API. Each area adds its own router below."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from hearthwatch.api.deps import ContextDep
from hearthwatch.privacy.consent import api as consent_api
from hearthwatch.privacy.erasure import api as erasure_api
from hearthwatch.privacy.export import api as export_api
from hearthwatch.privacy.export import data_api
from hearthwatch.privacy.limits import api as limits_api
from hearthwatch.privacy.minors import api as minors_api
from hearthwatch.privacy.minors import operator_api as operator_minors_api
from hearthwatch.privacy.notice import api as notice_api
from hearthwatch.privacy.oversight import api as operator_tools_api
from hearthwatch.privacy.requests import api as requests_api
from hearthwatch.privacy.requests import complaints_api, operator_api, rectification_api
from hearthwatch.privacy.retention import closure_api

router = APIRouter(prefix="/privacy", tags=["privacy"])
router.include_router(requests_api.router)
router.include_router(complaints_api.router)
router.include_router(limits_api.router)
router.include_router(notice_api.router)
router.include_router(consent_api.router)
router.include_router(erasure_api.router)
router.include_router(export_api.router)
router.include_router(minors_api.router)
router.include_router(operator_api.router)
router.include_router(rectification_api.router)
router.include_router(operator_tools_api.router)
router.include_router(operator_minors_api.router)
router.include_router(closure_api.router)
router.include_router(data_api.router)


class ReceiptKey(BaseModel):
    algorithm: str
    key_id: str
    public_key: str
    signed_bytes: str


@router.get("/receipt-key", response_model=ReceiptKey)
async def receipt_key(ctx: ContextDep) -> ReceiptKey:
    """The public key that checks every receipt this installation signs (base64, raw Ed25519)."""
    return ReceiptKey(**ctx.receipts.public_key_document())
