"""The privacy centre (/privacy) and the person's rights requests and complaints.

Each request form asks for the password again; the request then waits for the code mailed
to the account (identity check) before the operator can work on it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep
from hearthwatch.context import AppContext
from hearthwatch.privacy.notice import contact as notice_contact
from hearthwatch.privacy.requests import service as requests
from hearthwatch.privacy.requests.api import CodeIn, RequestCreate
from hearthwatch.web.deps import Again, CheckedForm, Viewer, WebRoute, shown_again, viewer_from
from hearthwatch.web.forms import FormProblem, parse
from hearthwatch.web.rendering import not_found, redirect, render
from hearthwatch.web.viewer import WebDb

router = APIRouter(prefix="/privacy", route_class=WebRoute)

# A visitor posting a request's form comes back to that request after signing in.
RequestViewer = Annotated[Caller, viewer_from("/privacy/requests/{request_id}")]
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
def privacy_centre(request: Request, ctx: ContextDep, viewer: Viewer) -> Response:
    """Everything about the person's data in one place."""
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
def requests_page(request: Request, ctx: ContextDep, db: WebDb, viewer: Viewer) -> Response:
    return _requests_page(request, ctx, db, viewer)


@router.post("/requests")
def make_request(
    request: Request, ctx: ContextDep, db: WebDb, viewer: Viewer, form: CheckedForm
) -> Response:
    values = form.keep("kind", "details")

    def again(problem: FormProblem, status: int) -> Response:
        return _requests_page(request, ctx, db, viewer, problem, status, values)

    with shown_again(again, REQUEST_FIELDS):
        body = parse(
            RequestCreate, {**values, "password": form.value("password")}, REQUEST_MESSAGES
        )
        made = requests.submit(
            ctx, db, user=viewer.user, kind=body.kind, details=body.details, password=body.password
        )
    return redirect(f"/privacy/requests/{made.id}", done="request_received")


def _request_page(
    request: Request, ctx: AppContext, db: Session, viewer: Caller, request_id: str,
    problem: FormProblem | None = None, status: int = 200,
) -> Response:  # fmt: skip
    """One request of the viewer's; anyone else's is the "not found" page (`get_own`)."""
    found = requests.get_own(db, user_id=viewer.user.id, request_id=request_id)
    return render(
        request, ctx, "privacy_request.html", viewer=viewer, section="privacy", item=found,
        kind=requests.KIND_BY_NAME[found.kind], steps=requests.steps_of(db, found.id),
        status_words=STATUS_WORDS, problem=problem, status=status,
    )  # fmt: skip


def _request_again(
    request: Request, ctx: AppContext, db: Session, viewer: Caller, request_id: str
) -> Again:
    """The request's page with the problem; a request that is not theirs is not found."""

    def again(problem: FormProblem, status: int) -> Response:
        if status == 404:
            return not_found(request, ctx, viewer)
        return _request_page(request, ctx, db, viewer, request_id, problem, status)

    return again


@router.get("/requests/{request_id}")
def request_page(
    request_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: Viewer
) -> Response:
    return _request_page(request, ctx, db, viewer, request_id)


@router.post("/requests/{request_id}/verify")
def verify_request(
    request_id: str,
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: RequestViewer,
    form: CheckedForm,
) -> Response:
    with shown_again(_request_again(request, ctx, db, viewer, request_id)):
        body = parse(CodeIn, {"code": form.value("code")})
        requests.verify_identity(ctx, db, user=viewer.user, request_id=request_id, code=body.code)
    return redirect(f"/privacy/requests/{request_id}", done="request_verified")


@router.post("/requests/{request_id}/code")
def resend_code(
    request_id: str,
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: RequestViewer,
    form: CheckedForm,
) -> Response:
    with shown_again(_request_again(request, ctx, db, viewer, request_id)):
        found = requests.get_own(db, user_id=viewer.user.id, request_id=request_id)
        requests.send_code(ctx, db, user=viewer.user, request=found)
    return redirect(f"/privacy/requests/{request_id}", done="request_code_sent")
