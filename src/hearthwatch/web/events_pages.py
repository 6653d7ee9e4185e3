"""Web pages of events: the event list across cameras, and a camera's detection editor.

The list is the API's list (`events.service`), rendered: thumbnails, camera, time (in the
viewer's own time zone once local-times.js has run), zones, "new" for unseen; filters by
camera, zone, time and unseen as a plain GET form; the next page by the list's cursor. An
event opens the camera's playback at its pre-roll (`/cameras/{id}/playback?event=...`),
where the page's script marks it seen. The clip of the event downloads from the clip API.

The detection editor only carries what its script needs (the camera, the CSRF token): the
script reads and saves the settings with the detection API, as any client would.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request, Response

from hearthwatch.access.principal import owner
from hearthwatch.access.resolver import Action
from hearthwatch.api.deps import ContextDep
from hearthwatch.devices import service as devices
from hearthwatch.events import service
from hearthwatch.events.api import now_us, public
from hearthwatch.events.schemas import EventPublic, when
from hearthwatch.web.camera_views import camera_for, camera_view
from hearthwatch.web.deps import CheckedForm, Viewer, WebRoute
from hearthwatch.web.rendering import page_url, redirect, render
from hearthwatch.web.viewer import WebDb

router = APIRouter(route_class=WebRoute)

MAX_CLIP_US = 3600 * 1_000_000  # the clip API's longest clip


@dataclass(frozen=True)
class Filters:
    """The list's filters as the form sends them (kept for the next page's link)."""

    camera: str = ""
    zone: str = ""
    from_: str = ""
    to: str = ""
    unseen: bool = False

    def query(self) -> dict[str, str | None]:
        return {
            "camera": self.camera or None,
            "zone": self.zone or None,
            "from": self.from_ or None,
            "to": self.to or None,
            "unseen": "1" if self.unseen else None,
        }

    def active(self) -> bool:
        return any(self.query().values())


def clip_url(item: EventPublic) -> str:
    """The clip API's download of the event's span (the clip API's hour at most)."""
    start, end = item.clip.start_us, min(item.clip.end_us, item.clip.start_us + MAX_CLIP_US)
    return page_url(
        f"/api/v1/cameras/{item.camera_id}/clip",
        start=when(start).isoformat(),
        end=when(end).isoformat(),
    )


@router.get("/events")
def events_page(
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: Viewer,
    camera: str = "",
    zone: str = "",
    unseen: str = "",
    cursor: str | None = None,
) -> Response:
    """Every camera's events, newest first, filtered, a page at a time."""
    # `from` is a Python keyword: read it from the query itself.
    filters = Filters(
        camera=camera,
        zone=zone,
        from_=request.query_params.get("from", ""),
        to=request.query_params.get("to", ""),
        unseen=unseen in {"1", "true", "on"},
    )
    who = owner(viewer.user.id)
    query = service.EventQuery(
        camera_ids=(service.camera_id(camera),) if camera else (),
        from_us=service.parse_moment(filters.from_, naive_is_utc=True),
        to_us=service.parse_moment(filters.to, naive_is_utc=True),
        zone=service.zone_ref(zone),
        unseen_only=filters.unseen,
        cursor=cursor or None,
    )
    page = service.list_events(db, who, query)
    items = public(ctx, db, page.events, page.seen)
    return render(
        request, ctx, "events.html", viewer=viewer, section="events",
        items=items, clip_urls={i.id: clip_url(i) for i in items}, filters=filters,
        cameras=devices.list_cameras(db, user_id=viewer.user.id),
        zones=service.zone_choices(db, who), first_page=cursor is None,
        unseen_count=service.unseen_count(db, who), unseen_cap=service.UNSEEN_COUNT_CAP,
        next_url=page_url("/events", **filters.query(), cursor=page.next_cursor)
        if page.next_cursor else None,
        first_url=page_url("/events", **filters.query()),
    )  # fmt: skip


@router.post("/events/seen-all")
def mark_all_seen(ctx: ContextDep, db: WebDb, viewer: Viewer, form: CheckedForm) -> Response:
    """ "Mark all seen", then back to the list (its filters kept)."""
    service.mark_all_seen(db, user_id=viewer.user.id, now_us=now_us(ctx))
    kept = form.present("camera", "zone", "from", "to", "unseen")
    return redirect("/events", **kept)


@router.get("/cameras/{camera_id}/detection")
def detection_page(
    camera_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: Viewer
) -> Response:
    """Draw zones and privacy masks on the live picture; sensitivity and timings."""
    camera = camera_for(db, viewer, camera_id, Action.CONFIGURE)
    return render(
        request,
        ctx,
        "camera_detection.html",
        viewer=viewer,
        section="devices",
        camera=camera_view(ctx, camera),
    )
