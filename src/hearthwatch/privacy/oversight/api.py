"""`/api/v1/privacy/operator/{statistics,audit,check}`: the operator's proofs, over the API.

The same figures and checks as `hearthwatch privacy stats`, `privacy audit verify` and
`privacy check`, for operators (access/operators.py) who work from a browser or a script.
Statistics come only in aggregate with small groups suppressed (item 16, P44); the audit
check walks the whole hash chain (item 17); the privacy check reports anything past its
retention, undeclared, or without a legal basis (item 13).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from hearthwatch.api.deps import ContextDep, DbDep, Operator
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.oversight import check as privacy_check
from hearthwatch.privacy.oversight import statistics

router = APIRouter(prefix="/operator", tags=["privacy operator"])


class AuditCheck(BaseModel):
    ok: bool
    entries: int
    head_hash: str
    problems: list[str]


class Finding(BaseModel):
    kind: str
    code: str
    subject: str
    message: str
    count: int
    oldest: str | None
    examples: list[str]


class PrivacyCheck(BaseModel):
    ok: bool
    findings: list[Finding]


@router.get("/statistics")
def usage_statistics(operator: Operator, ctx: ContextDep, db: DbDep) -> dict[str, Any]:
    """Counts of consenting people per group; groups under the minimum size are null."""
    return statistics.as_json(statistics.usage_statistics(ctx, db))


@router.get("/audit", response_model=AuditCheck)
def verify_audit_log(
    operator: Operator, ctx: ContextDep, db: DbDep,
    expect_head: Annotated[str | None, Query(pattern=r"^[0-9a-f]{64}$")] = None,
) -> AuditCheck:  # fmt: skip
    """Every entry's hash and link, and (given) that an earlier head is still in the log."""
    found = audit.verify(db, expect_head=expect_head)
    return AuditCheck(
        ok=found.ok, entries=found.entries, head_hash=found.head_hash, problems=list(found.problems)
    )


@router.get("/check", response_model=PrivacyCheck)
def check_installation(operator: Operator, ctx: ContextDep) -> PrivacyCheck:
    """Records past retention, undeclared personal columns, processing without a basis (as
    declared, and as it happened), and a published notice the data map has outgrown."""
    result = privacy_check.check(ctx)
    return PrivacyCheck.model_validate(result.as_dict())
