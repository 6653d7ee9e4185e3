"""Pages of a signed-in person: the profile with its picture, and sessions.

Anyone not signed in is sent to sign in and brought back afterwards. Every form checks
the CSRF field first, so a page of another site cannot change anything here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from hearthwatch.accounts import credentials, profile, recovery
from hearthwatch.accounts.models import BrowserSession
from hearthwatch.accounts.schemas import ProfileUpdate
from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep
from hearthwatch.context import AppContext
from hearthwatch.errors import NotFound, ValidationFailed
from hearthwatch.web.agents import describe_agent
from hearthwatch.web.deps import Again, CheckedForm, Viewer, WebRoute, shown_again, viewer_from
from hearthwatch.web.forms import FormProblem, parse
from hearthwatch.web.rendering import redirect, render
from hearthwatch.web.viewer import ViewerDep, WebDb, forget_session

router = APIRouter(route_class=WebRoute)
# Visitors posting a form come back to the page the form is on after signing in.
ProfileViewer = Annotated[Caller, viewer_from("/profile")]
SessionsViewer = Annotated[Caller, viewer_from("/sessions")]


def _profile_page(
    request: Request,
    ctx: AppContext,
    db: Session,
    viewer: Caller,
    problem: FormProblem | None = None,
    status: int = 200,
) -> Response:
    user = viewer.user
    values = {"nickname": user.nickname or "", "real_name": user.real_name or ""}
    try:
        picture_version = str(int(profile.get_picture(db, user=user).updated_at.timestamp()))
    except NotFound:
        picture_version = ""
    return render(
        request,
        ctx,
        "profile.html",
        viewer=viewer,
        section="profile",
        status=status,
        problem=problem,
        values=values,
        picture_version=picture_version,
    )


def _profile_again(request: Request, ctx: AppContext, db: Session, viewer: Caller) -> Again:
    def again(problem: FormProblem, status: int) -> Response:
        return _profile_page(request, ctx, db, viewer, problem, status)

    return again


@router.get("/profile")
def profile_page(request: Request, ctx: ContextDep, db: WebDb, viewer: Viewer) -> Response:
    return _profile_page(request, ctx, db, viewer)


@router.post("/profile")
def save_profile(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ProfileViewer, form: CheckedForm
) -> Response:
    """Nickname and real name are optional; an empty field clears it."""
    with shown_again(_profile_again(request, ctx, db, viewer)):
        body = parse(ProfileUpdate, form.keep("nickname", "real_name"))
        profile.update_profile(ctx, user=viewer.user, changes=body.model_dump())
    return redirect("/profile", done="profile_saved")


@router.post("/profile/picture")
def upload_picture(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ProfileViewer, form: CheckedForm
) -> Response:
    """The picture is re-encoded by the service, which drops EXIF and location data."""
    with shown_again(_profile_again(request, ctx, db, viewer)):
        data = form.files.get("picture", b"")
        if not data:
            raise ValidationFailed("Choose a picture to upload.", code="profile.picture_invalid")
        profile.set_picture(ctx, db, user=viewer.user, data=data)
    return redirect("/profile", done="picture_saved")


@router.post("/profile/picture/delete")
def delete_picture(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ProfileViewer, form: CheckedForm
) -> Response:
    with shown_again(_profile_again(request, ctx, db, viewer)):
        profile.delete_picture(db, user=viewer.user)
    return redirect("/profile", done="picture_removed")


@router.get("/profile/picture")
def show_picture(db: WebDb, viewer: ViewerDep) -> Response:
    """The signed-in person's own picture; never cached by shared caches."""
    try:
        picture = profile.get_picture(db, user=viewer.user) if viewer else None
    except NotFound:
        picture = None
    if picture is None:  # a visitor has no picture either: no sign-in page for an <img>
        return Response(status_code=404, headers={"cache-control": "no-store"})
    return Response(
        picture.data,
        media_type=picture.content_type,
        headers={"cache-control": "private, no-store"},
    )


@dataclass(frozen=True)
class SessionRow:
    """One signed-in browser as the sessions page shows it to the account's owner: the
    address as stored (in full until the retention sweep cuts it to its network)."""

    id: str
    device: str
    user_agent: str
    address: str
    created_at: datetime
    last_seen_at: datetime
    current: bool

    @classmethod
    def of(cls, record: BrowserSession, current_id: str | None) -> SessionRow:
        return cls(
            id=record.id,
            device=describe_agent(record.user_agent),
            user_agent=record.user_agent or "",
            address=record.ip_address or "unknown",
            created_at=record.created_at,
            last_seen_at=record.last_seen_at,
            current=record.id == current_id,
        )


def _sessions_page(
    request: Request,
    ctx: AppContext,
    db: Session,
    viewer: Caller,
    problem: FormProblem | None = None,
    status: int = 200,
) -> Response:
    records = credentials.active_sessions(ctx, db, user=viewer.user)
    rows = sorted(
        (SessionRow.of(r, viewer.session_id) for r in records), key=lambda r: not r.current
    )
    return render(
        request,
        ctx,
        "sessions.html",
        viewer=viewer,
        section="sessions",
        status=status,
        problem=problem,
        sessions=rows,
    )


@router.get("/sessions")
def sessions_page(request: Request, ctx: ContextDep, db: WebDb, viewer: Viewer) -> Response:
    return _sessions_page(request, ctx, db, viewer)


@router.post("/sessions/{session_id}/end")
def end_session(
    session_id: str,
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: SessionsViewer,
    form: CheckedForm,
) -> Response:
    """End one session; ending this browser's own signs it out."""

    def again(problem: FormProblem, status: int) -> Response:
        return _sessions_page(request, ctx, db, viewer, problem, status)

    with shown_again(again):
        credentials.revoke_session(ctx, db, user=viewer.user, session_id=session_id)
    if session_id == viewer.session_id:
        return forget_session(redirect("/signin", done="signed_out"))
    return redirect("/sessions", done="session_ended")


@router.post("/sessions/end-all")
def sign_out_everywhere(
    ctx: ContextDep, db: WebDb, viewer: SessionsViewer, form: CheckedForm
) -> Response:
    recovery.end_all_sessions(ctx, db, user_id=viewer.user.id)
    return forget_session(redirect("/signin", done="signed_out_everywhere"))
