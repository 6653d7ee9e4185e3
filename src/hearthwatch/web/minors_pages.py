"""Pages of the guardian-consent flow (P4); none needs an account.

/privacy/report-child   anyone reports an account believed to be a child's
/guardian/asked         after an under-16 sign-up: what happens next
/guardian/consent       the guardian's signed link: agree or refuse
/guardian/name          a reported holder under 16 names a guardian to ask
/guardian/report        the holder of a reported account answers, before any review
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, Response

from hearthwatch.api.deps import ContextDep, client_ip
from hearthwatch.context import AppContext
from hearthwatch.errors import NotFound
from hearthwatch.mail import deferred
from hearthwatch.privacy.erasure import service as erasure
from hearthwatch.privacy.minors import report as minors_report
from hearthwatch.privacy.minors import service as minors
from hearthwatch.privacy.minors.api import (
    REPORT_RECEIVED,
    ChildReportIn,
    GuardianDecisionIn,
    GuardianNamedIn,
    ReportAnswerIn,
)
from hearthwatch.privacy.minors.report_models import MAX_ANSWER
from hearthwatch.web.deps import Again, CheckedForm, WebRoute, shown_again
from hearthwatch.web.forms import FormProblem, PostedForm, parse
from hearthwatch.web.rendering import redirect, render
from hearthwatch.web.viewer import ViewerDep, WebDb

router = APIRouter(route_class=WebRoute)

TEMPLATE = "guardian_consent.html"
MESSAGES = {
    "note": f"Use at most {minors_report.MAX_NOTE} characters.",
    "guardian_name": "Enter your name.",
    "guardian_email": "Enter your parent's or guardian's e-mail address.",
    "decision": "Choose whether you agree.",
    "answer": f"Write your answer, in at most {MAX_ANSWER} characters.",
}
ANSWER_TEMPLATE = "report_answer.html"
FIELDS = {"minors.guardian_email_same": "guardian_email"}


@router.get("/privacy/report-child")
def report_page(request: Request, ctx: ContextDep, viewer: ViewerDep, sent: str = "") -> Response:
    notice = REPORT_RECEIVED if sent else None
    return render(request, ctx, "report_child.html", viewer=viewer, notice=notice)


@router.post("/privacy/report-child")
def report(
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: ViewerDep,
    form: CheckedForm,
    tasks: BackgroundTasks,
) -> Response:
    """Same answer whether or not the address has an account."""

    def again(problem: FormProblem, status: int) -> Response:
        return render(
            request,
            ctx,
            "report_child.html",
            viewer=viewer,
            status=status,
            problem=problem,
            values=form.keep("email", "note"),
        )

    with shown_again(again):
        ctx.code_throttle.hit(f"report-child:{client_ip(request)}", code="minors.rate_limited")
        body = parse(ChildReportIn, form.present("email", "note"), MESSAGES)
        ctx.code_throttle.hit(f"report-child:{body.email.lower()}", code="minors.rate_limited")
        mails = minors_report.report_child(ctx, db, email=body.email, note=body.note)
    tasks.add_task(deferred.send_all, ctx.mailer, mails)
    return redirect("/privacy/report-child", sent="1")


@router.get("/guardian/asked")
def asked_page(request: Request, ctx: ContextDep, email: str = "") -> Response:
    return _page(request, ctx, "asked", values={"email": email})


@router.get("/guardian/consent")
def consent_page(request: Request, ctx: ContextDep, db: WebDb, token: str = "") -> Response:
    return _link_page(request, ctx, db, token, minors.GUARDIAN)


@router.post("/guardian/consent")
def consent(
    request: Request, ctx: ContextDep, db: WebDb, form: CheckedForm, tasks: BackgroundTasks
) -> Response:
    """The guardian agrees (the account can be used) or refuses (it is deleted now)."""
    with shown_again(_again(request, ctx, db, form, minors.GUARDIAN), FIELDS):
        ctx.code_throttle.hit(f"guardian:{client_ip(request)}", code="minors.rate_limited")
        body = parse(
            GuardianDecisionIn, form.present("token", "decision", "guardian_name"), MESSAGES
        )
        agree = body.decision == "confirm"
        job_id = minors.decide(
            ctx, db, token=body.token, agree=agree, guardian_name=body.guardian_name
        )
    if job_id is not None:
        tasks.add_task(erasure.run_job, ctx, job_id)
    return _page(request, ctx, "confirmed" if agree else "refused")


@router.get("/guardian/name")
def name_page(request: Request, ctx: ContextDep, db: WebDb, token: str = "") -> Response:
    return _link_page(request, ctx, db, token, minors.HOLDER)


@router.post("/guardian/name")
def name_guardian(request: Request, ctx: ContextDep, db: WebDb, form: CheckedForm) -> Response:
    """A reported holder under 16 gives the guardian's address; we mail them the link."""
    with shown_again(_again(request, ctx, db, form, minors.HOLDER), FIELDS):
        ctx.code_throttle.hit(f"guardian:{client_ip(request)}", code="minors.rate_limited")
        body = parse(GuardianNamedIn, form.present("token", "guardian_email"), MESSAGES)
        minors.name_guardian(ctx, db, token=body.token, guardian_email=body.guardian_email)
    return _page(request, ctx, "named")


@router.get("/guardian/report")
def report_answer_page(request: Request, ctx: ContextDep, db: WebDb, token: str = "") -> Response:
    with shown_again(_answer_again(request, ctx, {})):
        minors_report.open_answer_link(ctx, db, token=token)
    return _answer_page(request, ctx, "form", values={"token": token})


@router.post("/guardian/report")
def report_answer(request: Request, ctx: ContextDep, db: WebDb, form: CheckedForm) -> Response:
    """The holder's answer, kept for the operator who reviews the report."""
    with shown_again(_answer_again(request, ctx, form.keep("token", "answer"))):
        ctx.code_throttle.hit(f"report-answer:{client_ip(request)}", code="minors.rate_limited")
        body = parse(ReportAnswerIn, form.present("token", "answer"), MESSAGES)
        minors_report.answer(ctx, db, token=body.token, text=body.answer)
    return _answer_page(request, ctx, "answered")


def _answer_again(request: Request, ctx: AppContext, values: dict[str, str]) -> Again:
    """The answer form again; a link that no longer works shows only what stopped it."""

    def again(problem: FormProblem, status: int) -> Response:
        mode = "invalid" if problem.code == "minors.link_invalid" else "form"
        extra = {"values": values} if values else {}
        return _answer_page(request, ctx, mode, status=status, problem=problem, **extra)

    return again


def _answer_page(
    request: Request, ctx: AppContext, mode: str, status: int = 200, **context: Any
) -> Response:
    return render(
        request, ctx, ANSWER_TEMPLATE, viewer=None, status=status, mode=mode,
        max_answer=MAX_ANSWER, **context,
    )  # fmt: skip


def _link_page(request: Request, ctx: AppContext, db: WebDb, token: str, role: str) -> Response:
    try:
        pending = minors.open_link(ctx, db, token=token, role=role)
    except NotFound as err:
        return _page(request, ctx, "invalid", status=err.status, problem=FormProblem.of(err))
    return _page(request, ctx, role, pending=pending, values={"token": token})


def _again(request: Request, ctx: AppContext, db: WebDb, form: PostedForm, role: str) -> Again:
    """The link's form again with its problem, if the link still opens."""

    def again(problem: FormProblem, status: int) -> Response:
        token = form.value("token")
        try:
            pending = minors.open_link(ctx, db, token=token, role=role)
        except NotFound:  # no form to show again: say what stopped this attempt
            return _page(request, ctx, "invalid", status=status, problem=problem)
        values = form.keep("guardian_name", "guardian_email") | {"token": token}
        return _page(
            request, ctx, role, status=status, problem=problem, pending=pending, values=values
        )

    return again


def _page(
    request: Request, ctx: AppContext, mode: str, status: int = 200, **context: Any
) -> Response:
    return render(request, ctx, TEMPLATE, viewer=None, status=status, mode=mode, **context)
