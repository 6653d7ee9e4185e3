"""`/api/v1/privacy/minors/*`: reporting a child's account, and the guardian's answer (P4).

    POST /privacy/minors/reports             anyone: this account may be a child's   202
    POST /privacy/minors/reports/answer      the holder's answer, with the mailed token
    POST /privacy/minors/guardian-consent    the guardian's answer, with the mailed token
    POST /privacy/minors/guardian            a reported holder names their guardian   202

None of them needs an account. A report restricts nothing until an operator confirms it
(`minors_review`); the holder is mailed a link to answer first. Accounts put on hold
whose consent did not come in time are deleted by
the `privacy.minors` job of the durable scheduler (`jobs/scheduler.py`), every 15
minutes; `hearthwatch privacy minors sweep` runs it by hand.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Request, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hearthwatch.accounts.schemas import Accepted, Email
from hearthwatch.api.deps import ContextDep, DbDep, client_ip
from hearthwatch.mail import deferred
from hearthwatch.privacy.erasure import service as erasure
from hearthwatch.privacy.minors import report as minors_report
from hearthwatch.privacy.minors import report_models as minors_report_models
from hearthwatch.privacy.minors import service as minors

Token = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}\.[0-9]{1,12}\.[A-Za-z0-9_-]{43}$")]
REPORT_RECEIVED = (
    "Thank you. If an account uses this address and has no guardian's consent on record, "
    "its holder is told and can answer, and our operator reviews the report. Only if the "
    "operator confirms it is the account put on hold, and deleted unless a guardian consents."
)
ReportToken = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChildReportIn(Strict):
    email: Email
    note: str | None = Field(default=None, max_length=minors_report.MAX_NOTE)


class ReportAnswerIn(Strict):
    token: ReportToken
    answer: Annotated[
        str,
        StringConstraints(
            min_length=1, max_length=minors_report_models.MAX_ANSWER, strip_whitespace=True
        ),
    ]


class GuardianDecisionIn(Strict):
    token: Token
    decision: Literal["confirm", "refuse"]
    guardian_name: Annotated[
        str, StringConstraints(min_length=1, max_length=128, strip_whitespace=True)
    ]


class GuardianNamedIn(Strict):
    token: Token
    guardian_email: Email


class DecisionOut(BaseModel):
    status: Literal["confirmed", "refused"]
    message: str


router = APIRouter(prefix="/minors", tags=["privacy"])


@router.post("/reports", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
def report_child(
    body: ChildReportIn, request: Request, ctx: ContextDep, db: DbDep, tasks: BackgroundTasks
) -> Accepted:
    """Report an account believed to belong to a child under 16; the answer never says
    whether the address has an account."""
    ctx.code_throttle.hit(f"report-child:{client_ip(request)}", code="minors.rate_limited")
    ctx.code_throttle.hit(f"report-child:{body.email.lower()}", code="minors.rate_limited")
    mails = minors_report.report_child(ctx, db, email=body.email, note=body.note)
    tasks.add_task(deferred.send_all, ctx.mailer, mails)
    return Accepted(status="received", message=REPORT_RECEIVED)


@router.post("/reports/answer", response_model=Accepted)
def answer_report(body: ReportAnswerIn, request: Request, ctx: ContextDep, db: DbDep) -> Accepted:
    """The holder's answer to a report, read by the operator before deciding on it."""
    ctx.code_throttle.hit(f"report-answer:{client_ip(request)}", code="minors.rate_limited")
    minors_report.answer(ctx, db, token=body.token, text=body.answer)
    return Accepted(status="answered", message=ANSWERED)


ANSWERED = "Thank you: the operator reads your answer before deciding on the report."


@router.post("/guardian-consent", response_model=DecisionOut)
def guardian_decision(
    body: GuardianDecisionIn, request: Request, ctx: ContextDep, db: DbDep, tasks: BackgroundTasks
) -> DecisionOut:
    """The parent's or guardian's answer; a refusal deletes the account at once."""
    ctx.code_throttle.hit(f"guardian:{client_ip(request)}", code="minors.rate_limited")
    agree = body.decision == "confirm"
    job_id = minors.decide(ctx, db, token=body.token, agree=agree, guardian_name=body.guardian_name)
    if job_id is not None:
        tasks.add_task(erasure.run_job, ctx, job_id)
    if agree:
        return DecisionOut(status="confirmed", message="Thank you: the account can be used now.")
    return DecisionOut(status="refused", message="The account and everything in it was deleted.")


@router.post("/guardian", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
def name_guardian(body: GuardianNamedIn, request: Request, ctx: ContextDep, db: DbDep) -> Accepted:
    """A reported holder under 16 gives the address of the guardian to ask."""
    ctx.code_throttle.hit(f"guardian:{client_ip(request)}", code="minors.rate_limited")
    minors.name_guardian(ctx, db, token=body.token, guardian_email=body.guardian_email)
    return Accepted(status="guardian_asked", message="We mailed your parent or guardian a link.")
