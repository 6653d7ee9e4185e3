"""Pages of a signed-in person: the profile with its picture, and sessions.

Anyone not signed in is sent to sign in and brought back afterwards. Every form checks
the CSRF field first, so a page of another site cannot change anything here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from hearthwatch.accounts import credentials, profile, recovery
from hearthwatch.accounts.models import BrowserSession
from hearthwatch.accounts.schemas import ProfileUpdate
from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep, check_csrf
from hearthwatch.context import AppContext
from hearthwatch.errors import HearthwatchError, NotFound, ValidationFailed
from hearthwatch.web.agents import describe_agent
from hearthwatch.web.forms import FormDep, FormProblem, parse
from hearthwatch.web.rendering import redirect, render
from hearthwatch.web.viewer import ViewerDep, WebDb, forget_session, to_signin

router = APIRouter()


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


@router.get("/profile")
def profile_page(request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep) -> Response:
    if viewer is None:
        return to_signin("/profile")
    return _profile_page(request, ctx, db, viewer)


@router.post("/profile")
def save_profile(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
) -> Response:
    """Nickname and real name are optional; an empty field clears it."""
    if viewer is None:
        return to_signin("/profile")
    try:
        check_csrf(request, submitted=form.csrf_token)
        body = parse(ProfileUpdate, form.keep("nickname", "real_name"))
        profile.update_profile(ctx, user=viewer.user, changes=body.model_dump())
    except HearthwatchError as err:
        return _profile_page(request, ctx, db, viewer, FormProblem.of(err), err.status)
    return redirect("/profile", done="profile_saved")


@router.post("/profile/picture")
def upload_picture(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
) -> Response:
    """The picture is re-encoded by the service, which drops EXIF and location data."""
    if viewer is None:
        return to_signin("/profile")
    try:
        check_csrf(request, submitted=form.csrf_token)
        data = form.files.get("picture", b"")
        if not data:
            raise ValidationFailed("Choose a picture to upload.", code="profile.picture_invalid")
        profile.set_picture(ctx, db, user=viewer.user, data=data)
    except HearthwatchError as err:
        return _profile_page(request, ctx, db, viewer, FormProblem.of(err), err.status)
    return redirect("/profile", done="picture_saved")


@router.post("/profile/picture/delete")
def delete_picture(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
) -> Response:
    if viewer is None:
        return to_signin("/profile")
    try:
        check_csrf(request, submitted=form.csrf_token)
        profile.delete_picture(db, user=viewer.user)
    except HearthwatchError as err:
        return _profile_page(request, ctx, db, viewer, FormProblem.of(err), err.status)
    return redirect("/profile", done="picture_removed")


@router.get("/profile/picture")
def show_picture(db: WebDb, viewer: ViewerDep) -> Response:
    """The signed-in person's own picture; never cached by shared caches."""
    try:
        if viewer is None:
            raise NotFound("No picture.")
        picture = profile.get_picture(db, user=viewer.user)
    except NotFound:
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
def sessions_page(request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep) -> Response:
    if viewer is None:
        return to_signin("/sessions")
    return _sessions_page(request, ctx, db, viewer)


@router.post("/sessions/{session_id}/end")
def end_session(
    session_id: str,
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: ViewerDep,
    form: FormDep,
) -> Response:
    """End one session; ending this browser's own signs it out."""
    if viewer is None:
        return to_signin("/sessions")
    try:
        check_csrf(request, submitted=form.csrf_token)
        credentials.revoke_session(ctx, db, user=viewer.user, session_id=session_id)
    except HearthwatchError as err:
        return _sessions_page(request, ctx, db, viewer, FormProblem.of(err), err.status)
    if session_id == viewer.session_id:
        return forget_session(redirect("/signin", done="signed_out"))
    return redirect("/sessions", done="session_ended")


@router.post("/sessions/end-all")
def sign_out_everywhere(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: FormDep
) -> Response:
    if viewer is None:
        return to_signin("/sessions")
    try:
        check_csrf(request, submitted=form.csrf_token)
    except HearthwatchError as err:
        return _sessions_page(request, ctx, db, viewer, FormProblem.of(err), err.status)
    recovery.end_all_sessions(ctx, db, user_id=viewer.user.id)
    return forget_session(redirect("/signin", done="signed_out_everywhere"))
