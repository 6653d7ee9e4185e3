"""The privacy centre (/privacy) and the person's rights requests and complaints.

Each request form asks for the password again; the request then waits for the code mailed
to the account (identity check) before the operator can work on it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep, check_csrf
from hearthwatch.context import AppContext
from hearthwatch.errors import HearthwatchError, NotFound
from hearthwatch.privacy.notice import contact as notice_contact
from hearthwatch.privacy.requests import service as requests
from hearthwatch.privacy.requests.api import CodeIn, RequestCreate
from hearthwatch.web.forms import FormDep, FormProblem, parse
from hearthwatch.web.rendering import not_found, redirect, render
from hearthwatch.web.viewer import ViewerDep, WebDb, to_signin

router = APIRouter(prefix="/privacy")

REQUEST_MESSAGES = {
    "kind": "Choose what the request is about.",
    "details": f"Describe the request in 1 to {requests.MAX_DETAILS} characters.",
    "password": "Enter your password.",
}
REQUEST_FIELDS = {"privacy.reauth_failed": "password", "privacy.request_details": "details"}
STATUS_WORDS = {
    requests.RECEIVED: "Waiting for the code we mailed you",
    requests.VERIFIED: "Received, identity verified",
    requests.IN_PROGRESS: "Being worked on",
    requests.EXTENDED: "Extended",
    requests.COMPLETED: "Completed",
    requests.REFUSED: "Refused",
}


@router.get("")
def privacy_centre(request: Request, ctx: ContextDep, viewer: ViewerDep) -> Response:
    """Everything about the person's data in one place."""
    if viewer is None:
        return to_signin("/privacy")
    authority = notice_contact.authority(ctx.settings)
    return render(
        request, ctx, "privacy.html", viewer=viewer, section="privacy", authority=authority
    )


def _requests_page(
    request: Request, ctx: AppContext, db: Session, viewer: Caller,
    problem: FormProblem | None = None, status: int = 200, values: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    chosen = (values or {}).get("kind") or request.query_params.get("kind", "")
    return render(
        request, ctx, "privacy_requests.html", viewer=viewer, section="privacy",
        requests=requests.list_own(db, user_id=viewer.user.id), kinds=requests.KINDS,
        chosen=chosen if chosen in requests.KIND_BY_NAME else "", status_words=STATUS_WORDS,
        kind_titles={k.name: k.title for k in requests.KINDS},
        problem=problem, status=status, values=values or {},
    )  # fmt: skip


@router.get("/requests")
def requests_page(request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep) -> Response:
    if viewer is None:
        return to_signin("/privacy/requests")
    return _requests_page(request, ctx, db, viewer)


@router.post("/requests")
def make_request(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
) -> Response:
    if viewer is None:
        return to_signin("/privacy/requests")
    values = form.keep("kind", "details")
    try:
        check_csrf(request, submitted=form.csrf_token)
        body = parse(
            RequestCreate, {**values, "password": form.value("password")}, REQUEST_MESSAGES
        )
        made = requests.submit(
            ctx, db, user=viewer.user, kind=body.kind, details=body.details, password=body.password
        )
    except HearthwatchError as err:
        problem = FormProblem.of(err, REQUEST_FIELDS)
        return _requests_page(request, ctx, db, viewer, problem, err.status, values)
    return redirect(f"/privacy/requests/{made.id}", done="request_received")


def _request_page(
    request: Request, ctx: AppContext, db: Session, viewer: Caller, request_id: str,
    problem: FormProblem | None = None, status: int = 200,
) -> Response:  # fmt: skip
    try:
        found = requests.get_own(db, user_id=viewer.user.id, request_id=request_id)
    except NotFound:
        return not_found(request, ctx, viewer)
    return render(
        request, ctx, "privacy_request.html", viewer=viewer, section="privacy", item=found,
        kind=requests.KIND_BY_NAME[found.kind], steps=requests.steps_of(db, found.id),
        status_words=STATUS_WORDS, problem=problem, status=status,
    )  # fmt: skip


@router.get("/requests/{request_id}")
def request_page(
    request_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep
) -> Response:
    if viewer is None:
        return to_signin(f"/privacy/requests/{request_id}")
    return _request_page(request, ctx, db, viewer, request_id)


@router.post("/requests/{request_id}/verify")
def verify_request(
    request_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
) -> Response:
    if viewer is None:
        return to_signin(f"/privacy/requests/{request_id}")
    refused = _csrf_refused(request, ctx, db, viewer, form.csrf_token)
    if refused is not None:
        return refused
    try:
        body = parse(CodeIn, {"code": form.value("code")})
        requests.verify_identity(ctx, db, user=viewer.user, request_id=request_id, code=body.code)
    except NotFound:
        return not_found(request, ctx, viewer)
    except HearthwatchError as err:
        return _request_page(request, ctx, db, viewer, request_id, FormProblem.of(err), err.status)
    return redirect(f"/privacy/requests/{request_id}", done="request_verified")


@router.post("/requests/{request_id}/code")
def resend_code(
    request_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
) -> Response:
    if viewer is None:
        return to_signin(f"/privacy/requests/{request_id}")
    refused = _csrf_refused(request, ctx, db, viewer, form.csrf_token)
    if refused is not None:
        return refused
    try:
        found = requests.get_own(db, user_id=viewer.user.id, request_id=request_id)
        requests.send_code(ctx, db, user=viewer.user, request=found)
    except NotFound:
        return not_found(request, ctx, viewer)
    except HearthwatchError as err:
        return _request_page(request, ctx, db, viewer, request_id, FormProblem.of(err), err.status)
    return redirect(f"/privacy/requests/{request_id}", done="request_code_sent")


def _csrf_refused(
    request: Request, ctx: AppContext, db: Session, viewer: Caller, submitted: str
) -> Response | None:
    """A forged form is refused before anything else, whatever request it names."""
    try:
        check_csrf(request, submitted=submitted)
    except HearthwatchError as err:
        return _requests_page(request, ctx, db, viewer, FormProblem.of(err), err.status)
    return None
