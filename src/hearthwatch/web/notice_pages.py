"""The privacy notice page (any version) and the page where a changed notice is accepted (P48)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep
from hearthwatch.context import AppContext
from hearthwatch.errors import NotFound, ValidationFailed
from hearthwatch.privacy.consent.models import NoticeVersion
from hearthwatch.privacy.notice import service as notice
from hearthwatch.privacy.requests import complaints
from hearthwatch.web.deps import CheckedForm, Viewer, WebRoute, shown_again
from hearthwatch.web.forms import FormProblem, safe_next
from hearthwatch.web.rendering import redirect, render
from hearthwatch.web.viewer import ViewerDep, WebDb

# Under /privacy, through consent_pages.
router = APIRouter(prefix="/notice", route_class=WebRoute)


def _grouped(document: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Personal data by category, in the order the data map declares it."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in [*document["personal_data"], *document["stored_objects"]]:
        groups.setdefault(str(item["category"]), []).append(item)
    return groups


@router.get("")
def notice_page(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, version: int = 0
) -> Response:
    now = ctx.clock.now()
    shown = notice.get_version(db, version) if version else notice.in_force(db, now)
    if shown is None:
        raise NotFound("No privacy notice is published yet.", code="notice.not_found")
    document = notice.content_of(shown)
    # Today's contact where an older version did not name it, as the API answers (P27).
    contact = complaints.contact_in(ctx.settings, document)
    return render(
        request,
        ctx,
        "privacy_notice.html",
        viewer=viewer,
        shown=shown,
        document=document,
        groups=_grouped(document),
        contact=contact,
        changes=notice.changes_of(shown),
        versions=notice.versions(db),
        in_force=notice.in_force(db, now),
    )


def _accept_page(
    request: Request,
    ctx: AppContext,
    db: Session,
    viewer: Caller,
    next_path: str,
    problem: FormProblem | None = None,
    status: int = 200,
) -> Response:
    now = ctx.clock.now()
    accepted = notice.accepted_version(db, viewer.user)
    target = notice.required_version(db, now)
    coming = notice.upcoming(db, now)
    newest: NoticeVersion | None = coming or notice.in_force(db, now)
    return render(
        request,
        ctx,
        "notice_accept.html",
        viewer=viewer,
        status=status,
        problem=problem,
        accepted=accepted,
        required=target if target is not None and target > accepted else None,
        newest=newest,
        pending=notice.pending_changes(db, since=accepted),
        next_path=next_path,
    )


@router.get("/accept")
def accept_page(
    request: Request, ctx: ContextDep, db: WebDb, viewer: Viewer, next: str = ""
) -> Response:
    return _accept_page(request, ctx, db, viewer, safe_next(next))


@router.post("/accept")
def accept(
    request: Request, ctx: ContextDep, db: WebDb, viewer: Viewer, form: CheckedForm
) -> Response:
    next_path = safe_next(form.value("next"))

    def again(problem: FormProblem, status: int) -> Response:
        return _accept_page(request, ctx, db, viewer, next_path, problem, status)

    with shown_again(again):
        version = form.value("version")
        if not version.isdigit() or not 1 <= int(version) <= 1_000_000:
            raise ValidationFailed("Choose a version to accept.", code="notice.not_found")
        notice.accept(ctx, db, user=viewer.user, version=int(version))
    return redirect(next_path)
