"""Watching cameras: My devices (the grid of live tiles), one camera live, and playback.

The pages carry what the scripts need as data attributes (camera id, day) and the CSRF
token in a `<meta>` tag; video itself is fetched by the scripts with short-lived media
tokens from the API, so a page never holds a media URL that outlives a few minutes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from hearthwatch.access.principal import owner
from hearthwatch.access.resolver import Action
from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep
from hearthwatch.context import AppContext
from hearthwatch.devices import service
from hearthwatch.devices.schemas import FirmwareUpdatePublic
from hearthwatch.errors import NotFound
from hearthwatch.events import service as events
from hearthwatch.events.api import public
from hearthwatch.events.schemas import EventPublic, when
from hearthwatch.web.camera_views import LIVE_TILE_LIMIT, camera_for, camera_view
from hearthwatch.web.deps import Viewer, WebRoute
from hearthwatch.web.events_pages import clip_url
from hearthwatch.web.rendering import render
from hearthwatch.web.viewer import WebDb

router = APIRouter(route_class=WebRoute)

SEVERITY_WORDS: Mapping[str, str] = {
    "security": "security fix",
    "bugfix": "bug fixes",
    "feature": "new features",
}
UNKNOWN_FIRMWARE: Mapping[str, str] = {
    "no_model": "Unknown: the camera does not say which model it is.",
    "model_not_listed": "Unknown: there is no update information for this model.",
    "no_version": "Unknown: the camera does not report its firmware version.",
    "version_unreadable": "Unknown: the camera's firmware version cannot be compared.",
}


@router.get("/")
def my_devices(request: Request, ctx: ContextDep, db: WebDb, viewer: Viewer) -> Response:
    """The home page: every camera as a tile with its live picture, or the way to add one."""
    cameras = [camera_view(ctx, c) for c in service.list_cameras(db, user_id=viewer.user.id)]
    return render(
        request,
        ctx,
        "home.html",
        viewer=viewer,
        section="devices",
        cameras=cameras,
        live_tiles=len(cameras) <= LIVE_TILE_LIMIT,
    )


@router.get("/cameras/{camera_id}")
def camera_page(
    camera_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: Viewer
) -> Response:
    """The live picture, large, with the camera's details (P7)."""
    camera = camera_for(db, viewer, camera_id, Action.VIEW)
    view = camera_view(ctx, camera)
    return render(
        request,
        ctx,
        "camera.html",
        viewer=viewer,
        section="devices",
        camera=view,
        firmware_headline=firmware_headline(view.firmware_update),
    )


def firmware_headline(update: FirmwareUpdatePublic) -> str:
    """The camera page's one line on updates: "Up to date", "Update available: 1.5.0 (…)"."""
    latest = update.latest
    if update.status == "up_to_date":
        return "Up to date"
    if update.status == "update_available" and latest is not None and update.severity:
        released = f"{latest.released.day} {latest.released:%b %Y}"
        kind = SEVERITY_WORDS[update.severity]
        return f"Update available: {latest.version} ({kind}, released {released})"
    return UNKNOWN_FIRMWARE.get(update.reason or "", "Unknown")


def chosen_day(text: str | None, today: date) -> date | None:
    """The day asked for as YYYY-MM-DD, or None (the browser then picks its own today)."""
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return day if day is not None and date(2000, 1, 1) <= day <= today + timedelta(days=1) else None


@router.get("/cameras/{camera_id}/playback")
def playback_page(
    camera_id: str,
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: Viewer,
    day: str | None = None,
    event: str | None = None,
) -> Response:
    """Recordings of one day on a 24-hour timeline, in the browser's time zone (P13).

    The server cannot know that time zone, so without `day` it offers its own (UTC) date
    and the script replaces it with the browser's today. With `event` (one of this camera's
    events) it opens at the event's pre-roll, on the day it happened, and offers its clip.
    """
    camera = camera_for(db, viewer, camera_id, Action.PLAYBACK)
    today = ctx.clock.now().date()
    opened = opened_event(ctx, db, viewer, camera_id, event)
    at = when(opened.clip.start_us) if opened else None
    shown = chosen_day(day, today) or (at.date() if at else None)
    return render(
        request,
        ctx,
        "camera_playback.html",
        viewer=viewer,
        section="devices",
        camera=camera_view(ctx, camera),
        day=shown or today,
        day_given=shown is not None and opened is None,
        event=opened,
        event_clip=clip_url(opened) if opened else None,
        previous_day=(shown or today) - timedelta(days=1),
        next_day=(shown or today) + timedelta(days=1),
    )


def opened_event(
    ctx: AppContext, db: Session, viewer: Caller, camera_id: str, event_id: str | None
) -> EventPublic | None:
    """The event asked for, if it is one of this camera's that the viewer may see; else the
    "not found" page (a stranger's event looks like no event)."""
    if event_id is None:
        return None
    who = owner(viewer.user.id)
    found = events.get_event(db, who, events.event_id(event_id))
    if found.camera_id != camera_id:
        raise NotFound("No such event.", code="event.not_found")
    seen = events.seen_among(db, user_id=who.user_id, events=[found])
    return public(ctx, db, [found], seen)[0]
