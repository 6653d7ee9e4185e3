"""The events API: the list across cameras, one event, seen and unseen, thumbnails, and each
camera's events for the playback timeline.

Every event is reached through the resolver (`authorized(Kind.EVENT, ...)`, `listable`): a
stranger's event is the same 404 `event.not_found` as a missing one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from hearthwatch.access.resolver import Action, Kind
from hearthwatch.api.deps import ContextDep, DbDep, PrincipalDep, authorized
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.errors import NotFound
from hearthwatch.events import service
from hearthwatch.events.models import Event
from hearthwatch.events.schemas import (
    CameraEvents,
    EventList,
    EventPublic,
    UnseenCount,
    ZonePublic,
)
from hearthwatch.events.thumbnails import read_thumbnail

router = APIRouter(tags=["events"])

# As every picture of a camera (media/api.py): kept by no cache, so that an erased camera's
# pictures are gone from the browser too.
PRIVATE_IMAGE = {"cache-control": "private, no-store", "x-content-type-options": "nosniff"}

ViewedEvent = Annotated[Event, authorized(Kind.EVENT, Action.VIEW, param="event_id")]
ViewedCamera = Annotated[Camera, authorized(Kind.CAMERA, Action.VIEW, param="camera_id")]
Moment = Annotated[
    str | None,
    Query(max_length=40, description="µs since the epoch, or ISO 8601 with a time zone"),
]
CameraIds = Annotated[
    list[Annotated[str, Query(pattern=r"^[0-9a-f]{32}$")]],
    Query(max_length=50, description="Only these cameras (repeat the parameter)"),
]
Zone = Annotated[
    str | None,
    Query(
        pattern=r"^[0-9a-f]{32}:[a-z0-9-]{1,32}$",
        description="Only events that hit this zone: camera id, a colon, zone id",
    ),
]


def now_us(ctx: AppContext) -> int:
    return int(ctx.clock.now().timestamp() * 1_000_000)


def public(
    ctx: AppContext, db: Session, events: list[Event], seen: frozenset[str]
) -> list[EventPublic]:
    """The events as the API shows them, with their camera's and zones' names."""
    cameras = service.camera_names(db, (e.camera_id for e in events))
    zones = service.zone_names(db, (e.camera_id for e in events))
    at = now_us(ctx)
    return [
        EventPublic.of(
            event,
            camera_name=cameras.get(event.camera_id, ""),
            zones=[
                ZonePublic(id=z, name=zones.get(event.camera_id, {}).get(z, z))
                for z in service.zones_hit(event)
            ],
            seen=event.id in seen,
            clip=service.clip_span(event, at),
        )
        for event in events
    ]


@router.get("/events", response_model=EventList)
def list_events(
    ctx: ContextDep,
    db: DbDep,
    who: PrincipalDep,
    camera_id: CameraIds = [],  # noqa: B006 (FastAPI copies the default)
    from_: Annotated[Moment, Query(alias="from")] = None,
    to: Moment = None,
    zone: Zone = None,
    unseen: bool = False,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = service.DEFAULT_PAGE,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> EventList:
    """Events on every camera the caller may see, newest first, filtered, a page at a time.

    Pass `next_cursor` back as `cursor` for the next page; it stays fast however deep."""
    query = service.EventQuery(
        camera_ids=tuple(camera_id),
        from_us=service.parse_moment(from_),
        to_us=service.parse_moment(to),
        zone=service.zone_ref(zone),
        unseen_only=unseen,
        limit=limit,
        cursor=cursor,
    )
    page = service.list_events(db, who, query)
    return EventList(items=public(ctx, db, page.events, page.seen), next_cursor=page.next_cursor)


@router.get("/events/unseen-count", response_model=UnseenCount)
def unseen_count(db: DbDep, who: PrincipalDep) -> UnseenCount:
    """How many events the caller has not seen (for a badge)."""
    count = service.unseen_count(db, who)
    cap = service.UNSEEN_COUNT_CAP
    return UnseenCount(count=count, capped=count >= cap, cap=cap)


@router.post("/events/seen-all", status_code=204)
def mark_all_seen(ctx: ContextDep, db: DbDep, who: PrincipalDep) -> Response:
    """Every event so far counts as seen by the caller."""
    service.mark_all_seen(db, user_id=who.user_id, now_us=now_us(ctx))
    return Response(status_code=204)


@router.get("/events/{event_id}", response_model=EventPublic)
def get_event(ctx: ContextDep, db: DbDep, who: PrincipalDep, event: ViewedEvent) -> EventPublic:
    """One event (reading it does not mark it seen: opening it, `POST .../seen`, does)."""
    seen = service.seen_among(db, user_id=who.user_id, events=[event])
    return public(ctx, db, [event], seen)[0]


@router.post("/events/{event_id}/seen", status_code=204)
def mark_seen(db: DbDep, who: PrincipalDep, event: ViewedEvent) -> Response:
    """The caller has seen the event (the web app marks it when it is opened)."""
    service.mark_seen(db, user_id=who.user_id, event=event)
    return Response(status_code=204)


@router.get("/events/{event_id}/thumbnail", responses={200: {"content": {"image/jpeg": {}}}})
def thumbnail(ctx: ContextDep, event: ViewedEvent) -> Response:
    """The event's picture (JPEG, privacy masks blacked out); 404 `event.no_thumbnail` when
    none was made or it went with the camera's recordings."""
    image = read_thumbnail(ctx.vault, event)
    if image is None:
        raise NotFound("This event has no picture.", code="event.no_thumbnail")
    return Response(image, media_type="image/jpeg", headers=PRIVATE_IMAGE)


@router.get("/cameras/{camera_id}/events", response_model=CameraEvents)
def camera_events(
    ctx: ContextDep,
    db: DbDep,
    who: PrincipalDep,
    camera: ViewedCamera,
    from_us: Annotated[int, Query(ge=0, le=2**62)],
    to_us: Annotated[int, Query(ge=0, le=2**62)],
) -> CameraEvents:
    """The camera's events overlapping [from_us, to_us) (at most 48 hours), oldest first:
    the marks on the playback timeline."""
    events = service.camera_marks(db, camera_id=camera.id, from_us=from_us, to_us=to_us)
    seen = service.seen_among(db, user_id=who.user_id, events=events)
    return CameraEvents(items=public(ctx, db, events, seen))
