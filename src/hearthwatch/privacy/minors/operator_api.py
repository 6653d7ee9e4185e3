"""`/api/v1/privacy/operator/minors`: accounts held for a guardian's consent (P4, item 14).

    GET  /privacy/operator/minors                    held accounts, soonest deadline first
    POST /privacy/operator/minors/{account_id}/clear the holder showed they are 16+  200
    GET  /privacy/operator/minors/reports            reports to review, with the holder's answer
    POST /privacy/operator/minors/reports/{id}/dismiss   the report does not hold up   200
    POST /privacy/operator/minors/reports/{id}/confirm   a child's: the hold starts     200

Operators only (access/operators.py); everyone else gets 403 `operator.required`. People
are masked (P45); clearing is audited with its reason, like `hearthwatch privacy minors clear`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Path, Query
from pydantic import BaseModel, Field, StringConstraints

from hearthwatch.accounts.schemas import Strict
from hearthwatch.api.deps import ContextDep, DbDep, Operator
from hearthwatch.mail import deferred
from hearthwatch.privacy.minors import operator as minors_operator
from hearthwatch.privacy.minors import review as minors_review

router = APIRouter(prefix="/operator/minors", tags=["privacy operator"])

AccountId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


class HeldAccountPublic(BaseModel):
    account_id: str
    account: str = Field(description="The holder's e-mail address, masked (P45).")
    reason: Literal["sign_up", "reported"] = Field(
        description="Under 16 at sign-up, or reported as a child's account."
    )
    guardian: str | None = Field(description="The guardian's address, masked; null until named.")
    requested_at: datetime
    deadline_at: datetime = Field(description="Deleted then unless consent comes or it is cleared.")

    @classmethod
    def of(cls, held: minors_operator.HeldAccount) -> HeldAccountPublic:
        return cls.model_validate(held, from_attributes=True)


class ClearIn(Strict):
    reason: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=minors_operator.MAX_REASON
        ),
    ] = Field(description="How the holder showed they are 16 or older; kept in the audit log.")


class Cleared(BaseModel):
    account_id: str
    decision: Literal["adult"]


@router.get("", response_model=list[HeldAccountPublic])
def list_held(
    operator: Operator, ctx: ContextDep, db: DbDep,
    reason: Annotated[Literal["sign_up", "reported"] | None, Query()] = None,
) -> list[HeldAccountPublic]:  # fmt: skip
    """Accounts waiting for a guardian's consent; `reason=reported` lists reported ones."""
    return [HeldAccountPublic.of(h) for h in minors_operator.held_accounts(db, reason=reason)]


@router.post("/{account_id}/clear", response_model=Cleared)
def clear_hold(
    account_id: AccountId, body: ClearIn, operator: Operator, ctx: ContextDep, db: DbDep
) -> Cleared:
    """The holder showed they are 16 or older: the hold ends and they can sign in."""
    minors_operator.clear(
        ctx, db, account_id=account_id, operator=operator.name, reason=body.reason
    )
    return Cleared(account_id=account_id, decision="adult")


ReportId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


class ReportPublic(BaseModel):
    report_id: str
    account_id: str
    account: str = Field(description="The holder's e-mail address, masked (P45).")
    reported_at: datetime
    answer: str | None = Field(description="What the holder answered; null until they do.")
    answered_at: datetime | None

    @classmethod
    def of(cls, report: minors_review.ReportToReview) -> ReportPublic:
        return cls.model_validate(report, from_attributes=True)


class DecisionIn(Strict):
    reason: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=minors_review.MAX_REASON),
    ] = Field(description="Why; kept in the audit log with any address in it masked.")


class ReportDecided(BaseModel):
    report_id: str
    state: Literal["dismissed", "confirmed"]


@router.get("/reports", response_model=list[ReportPublic])
def list_reports(operator: Operator, ctx: ContextDep, db: DbDep) -> list[ReportPublic]:
    """Reports of a child's account waiting for review, oldest first. None restricts the
    account until it is confirmed."""
    return [ReportPublic.of(r) for r in minors_review.open_reports(db)]


@router.post("/reports/{report_id}/{decision}", response_model=ReportDecided)
def decide_report(
    report_id: ReportId, decision: Literal["dismiss", "confirm"], body: DecisionIn,
    operator: Operator, ctx: ContextDep, db: DbDep, tasks: BackgroundTasks,
) -> ReportDecided:  # fmt: skip
    """Dismiss the report (the holder is told), or confirm it: the account is put on hold
    until a guardian consents, and deleted at the deadline without (P4)."""
    decide = minors_review.dismiss if decision == "dismiss" else minors_review.confirm
    mails = decide(ctx, db, report_id=report_id, operator=operator.name, reason=body.reason)
    db.commit()  # the decision holds before its mails go out
    tasks.add_task(deferred.send_all, ctx.mailer, mails)
    return ReportDecided(
        report_id=report_id, state="dismissed" if decision == "dismiss" else "confirmed"
    )
