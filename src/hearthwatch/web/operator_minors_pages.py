"""/operator/minors: reports of a child's account to review, and accounts held for a
guardian's consent, for operators (P4, item 14; issue 11, item 10).

A report restricts nothing until it is confirmed here: the operator reads the holder's
answer, then dismisses the report or confirms it (`privacy/minors/review.py`, as the API
and `hearthwatch privacy minors dismiss|confirm`); a confirmation starts the hold.

The same list and the same "shown to be 16 or older" as `/api/v1/privacy/operator/minors`
and `hearthwatch privacy minors` (`privacy/minors/operator.py`): people masked (P45), each
clearing audited with the reason the operator gives.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Request, Response
from sqlalchemy.orm import Session

from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep
from hearthwatch.context import AppContext
from hearthwatch.errors import ValidationFailed
from hearthwatch.mail import deferred
from hearthwatch.privacy.minors import operator as minors_operator
from hearthwatch.privacy.minors import review as minors_review
from hearthwatch.web.deps import (
    Again,
    CheckedForm,
    OperatorName,
    OperatorViewer,
    WebRoute,
    shown_again,
    viewer_from,
)
from hearthwatch.web.forms import FormProblem, PostedForm
from hearthwatch.web.operator_tools_pages import operator_page
from hearthwatch.web.rendering import redirect
from hearthwatch.web.viewer import WebDb

router = APIRouter(prefix="/operator/minors", route_class=WebRoute)
PATH = "/operator/minors"
# The forms bring a visitor back to the list after signing in.
MinorsViewer = Annotated[Caller, viewer_from(PATH)]
REASON_WORDS = {
    "sign_up": "Under 16 at sign-up",
    "reported": "Reported as a child's account",
}
REPORT_NOTICES = {
    "report_dismissed": "The report is dismissed and the holder was told. Nothing changed.",
    "report_confirmed": "The report is confirmed: the account is on hold until a guardian "
    "consents, and its holder was told.",
}


def _page(
    request: Request, ctx: AppContext, db: Session, viewer: Caller, *,
    failed: str | None = None, problem: FormProblem | None = None, status: int = 200,
    values: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    notice = REPORT_NOTICES.get(request.query_params.get("done", ""))

    def build() -> dict[str, Any]:
        return {
            "held": minors_operator.held_accounts(db), "reason_words": REASON_WORDS,
            "reports": minors_review.open_reports(db),
            "failed": failed, "problem": problem, "values": values or {},
            "max_reason": minors_operator.MAX_REASON,
        } | ({"notice": notice} if notice else {})  # fmt: skip

    return operator_page(request, ctx, viewer, PATH, "operator_minors.html", build, status)


def _again(
    request: Request, ctx: AppContext, db: Session, viewer: Caller, failed: str,
    form: PostedForm,
) -> Again:  # fmt: skip
    """The list again, the problem shown at the account or report the form was about."""

    def again(problem: FormProblem, status: int) -> Response:
        return _page(
            request, ctx, db, viewer, failed=failed, problem=problem, status=status,
            values=form.keep("reason"),
        )  # fmt: skip

    return again


@router.get("")
def minors_page(request: Request, ctx: ContextDep, db: WebDb, viewer: OperatorViewer) -> Response:
    return _page(request, ctx, db, viewer)


@router.post("/{account_id}/clear")
def clear(
    account_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: MinorsViewer,
    form: CheckedForm,
    operator: OperatorName,
) -> Response:  # fmt: skip
    again = _again(request, ctx, db, viewer, account_id, form)
    with shown_again(again, {"minors.not_pending": "reason"}):
        minors_operator.clear(
            ctx, db, account_id=account_id, operator=operator, reason=_reason(form)
        )
    return redirect(PATH, done="minor_cleared")


@router.post("/reports/{report_id}/dismiss")
def dismiss_report(
    report_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: MinorsViewer,
    form: CheckedForm, operator: OperatorName, tasks: BackgroundTasks,
) -> Response:  # fmt: skip
    """The report does not hold up: it ends and the holder is told; nothing else changes."""
    return _decide_report(request, ctx, db, viewer, form, operator, tasks, report_id, "dismiss")


@router.post("/reports/{report_id}/confirm")
def confirm_report(
    report_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: MinorsViewer,
    form: CheckedForm, operator: OperatorName, tasks: BackgroundTasks,
) -> Response:  # fmt: skip
    """The account is a child's: it is put on hold until a guardian consents (P4)."""
    return _decide_report(request, ctx, db, viewer, form, operator, tasks, report_id, "confirm")


def _decide_report(
    request: Request, ctx: AppContext, db: Session, viewer: Caller, form: PostedForm,
    operator: str, tasks: BackgroundTasks, report_id: str, decision: str,
) -> Response:  # fmt: skip
    """Run the decision; its mails go out after the answer."""
    decide = minors_review.confirm if decision == "confirm" else minors_review.dismiss
    again = _again(request, ctx, db, viewer, report_id, form)
    with shown_again(again, {"minors.report_not_open": "reason"}):
        reason = _decision_reason(form)
        mails = decide(ctx, db, report_id=report_id, operator=operator, reason=reason)
    db.commit()  # the decision holds before its mails go out
    tasks.add_task(deferred.send_all, ctx.mailer, mails)
    return redirect(PATH, done=f"report_{decision}ed")


def _decision_reason(form: PostedForm) -> str:
    reason = form.value("reason")
    if not reason or len(reason) > minors_review.MAX_REASON:
        message = f"Say why, in at most {minors_review.MAX_REASON} characters."
        raise ValidationFailed(
            "Some fields need a fix.", details=[{"field": "reason", "message": message}]
        )
    return reason


def _reason(form: PostedForm) -> str:
    reason = form.value("reason")
    if not reason or len(reason) > minors_operator.MAX_REASON:
        limit = minors_operator.MAX_REASON
        message = f"Say how they showed they are 16 or older, in at most {limit} characters."
        raise ValidationFailed(
            "Some fields need a fix.", details=[{"field": "reason", "message": message}]
        )
    return reason
