"""/privacy/export: ask for a copy of all your data, watch it being prepared, download it.

The page works without JavaScript (reload to see progress); `static/export.js` polls the
exports API while one is being prepared, moves the progress bar, and reloads the page when
the archive is ready so the download link appears.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep
from hearthwatch.context import AppContext
from hearthwatch.privacy.export import service as export
from hearthwatch.privacy.export.api import ExportPublic, start_export
from hearthwatch.web.deps import Again, CheckedForm, WebRoute, shown_again, viewer_from
from hearthwatch.web.forms import FormProblem, parse
from hearthwatch.web.rendering import redirect, render
from hearthwatch.web.viewer import WebDb

router = APIRouter(prefix="/privacy/export", route_class=WebRoute)

PAGE = "/privacy/export"
# Every export route brings a visitor back to the export page after signing in.
ExportViewer = Annotated[Caller, viewer_from(PAGE)]
STATE_WORDS = {
    "queued": "Waiting to start",
    "building": "Being prepared",
    "ready": "Ready to download",
    "downloaded": "Downloaded (the file was deleted)",
    "expired": "Link expired (the file was deleted)",
    "failed": "Failed",
}
MESSAGES = {"password": "Enter your password."}
FIELDS = {"privacy.reauth_failed": "password", "auth.locked": "password"}


class ExportForm(BaseModel):
    password: str = Field(min_length=1, max_length=1024)


def _page(
    request: Request,
    ctx: AppContext,
    db: Session,
    viewer: Caller,
    problem: FormProblem | None = None,
    status: int = 200,
) -> Response:
    jobs = [ExportPublic.of(ctx, job) for job in export.list_exports(ctx, db, user=viewer.user)]
    return render(
        request,
        ctx,
        "privacy_export.html",
        viewer=viewer,
        section="privacy",
        jobs=jobs,
        state_words=STATE_WORDS,
        link_hours=ctx.settings.export_link_hours,
        busy=any(job.state in ("queued", "building") for job in jobs),
        problem=problem,
        status=status,
    )


@router.get("")
def export_page(request: Request, ctx: ContextDep, db: WebDb, viewer: ExportViewer) -> Response:
    return _page(request, ctx, db, viewer)


@router.post("")
def request_export(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ExportViewer, form: CheckedForm
) -> Response:
    with shown_again(_again(request, ctx, db, viewer), FIELDS):
        body = parse(ExportForm, {"password": form.value("password")}, MESSAGES)
        start_export(ctx, db, viewer.user, body.password)
    return redirect(PAGE)


@router.post("/{export_id}/delete")
def delete_export(
    request: Request,
    export_id: str,
    ctx: ContextDep,
    db: WebDb,
    viewer: ExportViewer,
    form: CheckedForm,
) -> Response:
    with shown_again(_again(request, ctx, db, viewer)):
        export.delete_export(ctx, db, user=viewer.user, export_id=export_id)
    return redirect(PAGE)


def _again(request: Request, ctx: AppContext, db: Session, viewer: Caller) -> Again:
    return lambda problem, status: _page(request, ctx, db, viewer, problem, status)
