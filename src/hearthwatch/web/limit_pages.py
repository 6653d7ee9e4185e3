"""/privacy/limits: restrict or object to uses of one's data (P21, P22), and lift it again."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep
from hearthwatch.context import AppContext
from hearthwatch.devices import service
from hearthwatch.errors import ValidationFailed
from hearthwatch.privacy.limits import service as limits
from hearthwatch.web.deps import Again, CheckedForm, Viewer, WebRoute, shown_again, viewer_from
from hearthwatch.web.forms import FormProblem
from hearthwatch.web.rendering import redirect, render
from hearthwatch.web.viewer import WebDb

router = APIRouter(prefix="/privacy/limits", route_class=WebRoute)
PATH = "/privacy/limits"
# The forms bring a visitor back to the limits page after signing in.
LimitsViewer = Annotated[Caller, viewer_from(PATH)]


def _page(
    request: Request, ctx: AppContext, db: Session, viewer: Caller,
    problem: FormProblem | None = None, status: int = 200,
) -> Response:  # fmt: skip
    user_id = viewer.user.id
    cameras = {c.id: c.name for c in service.list_cameras(db, user_id=user_id)}
    return render(
        request, ctx, "privacy_limits.html", viewer=viewer, section="privacy",
        limits=limits.active(db, user_id=user_id, at=ctx.clock.now()), uses=limits.USES,
        use_titles={u.name: u.title for u in limits.USES}, cameras=cameras,
        problem=problem, status=status,
    )  # fmt: skip


@router.get("")
def limits_page(request: Request, ctx: ContextDep, db: WebDb, viewer: Viewer) -> Response:
    return _page(request, ctx, db, viewer)


@router.post("/object")
def object_to(
    request: Request, ctx: ContextDep, db: WebDb, viewer: LimitsViewer, form: CheckedForm
) -> Response:
    with shown_again(_again(request, ctx, db, viewer)):
        reason = form.value("reason") or None
        limits.object_to(ctx, db, user_id=viewer.user.id, use=form.value("use"), reason=reason)
    return redirect(PATH, done="objection_saved")


@router.post("/restrict")
def restrict(
    request: Request, ctx: ContextDep, db: WebDb, viewer: LimitsViewer, form: CheckedForm
) -> Response:
    with shown_again(_again(request, ctx, db, viewer)):
        limits.restrict(
            ctx, db, user_id=viewer.user.id, use=form.value("use") or limits.ALL_USES,
            camera_id=form.value("camera_id") or None, until=_end_of(form.value("until")),
            reason=form.value("reason") or None,
        )  # fmt: skip
    return redirect(PATH, done="restriction_saved")


@router.post("/{limit_id}/lift")
def lift(
    limit_id: str,
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: LimitsViewer,
    form: CheckedForm,
) -> Response:
    with shown_again(_again(request, ctx, db, viewer)):
        limits.lift(ctx, db, user_id=viewer.user.id, limit_id=limit_id)
    return redirect(PATH, done="limit_lifted")


def _again(request: Request, ctx: AppContext, db: Session, viewer: Caller) -> Again:
    return lambda problem, status: _page(request, ctx, db, viewer, problem, status)


def _end_of(day: str) -> datetime | None:
    """A date from the form as the end of that day (UTC); empty means "for good"."""
    if not day:
        return None
    try:
        return datetime.combine(datetime.strptime(day, "%Y-%m-%d").date(), time.max, UTC)
    except ValueError:
        raise ValidationFailed("Give the end date as a date.", code="privacy.limit_until") from None
