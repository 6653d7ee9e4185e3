"""Reading events: the event list across cameras, one event, who has seen what, the marks.

The list pages by keyset on (`start_us` DESC, `id` DESC), never by OFFSET, so the hundredth
page costs what the first does: each page asks for the rows after the last one shown, on
the indexes `ix_events_owner_start` and `ix_events_camera_start` (or, filtered by zone,
`ix_event_zones_zone_start`). The cursor handed out is that last row's key, encoded; it
carries no rights: every page is filtered again by what the resolver lets the caller see.

Seen and unseen are per user, in two parts: a mark ("everything that started up to here is
seen", set by "mark all seen") and one row per event opened after the mark. So "mark all
seen" over a million events writes one row, and the unseen filter is a range plus a lookup
by primary key.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, exists, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session

from hearthwatch.access.principal import Principal
from hearthwatch.access.resolver import Action, Kind, listable, resolve
from hearthwatch.devices.models import Camera
from hearthwatch.errors import NotFound, ValidationFailed
from hearthwatch.events.models import CameraDetection, Event, EventSeen, EventSeenMark, EventZone

DEFAULT_PAGE = 50
MAX_PAGE = 100
UNSEEN_COUNT_CAP = 1000  # the badge says "999+" beyond; counting further costs time
SECOND_US = 1_000_000
MAX_MARKS_RANGE_US = 48 * 3600 * SECOND_US  # as the recordings timeline
# An event that began this long before a timeline's range and still runs into it is shown:
# the marks query needs a lower bound on `start_us` to stay on the index.
MARKS_LOOKBACK_US = 6 * 3600 * SECOND_US
MAX_MARKS = 2000
_CURSOR = re.compile(r"^(\d{1,19}):([0-9a-f]{32})$")


@dataclass(frozen=True)
class ZoneRef:
    """One zone of one camera (zone ids are only unique within their camera)."""

    camera_id: str
    zone_id: str


@dataclass(frozen=True)
class EventQuery:
    """What the event list is filtered by; every filter is optional."""

    camera_ids: tuple[str, ...] = ()
    from_us: int | None = None  # events that started at or after
    to_us: int | None = None  # events that started before
    zone: ZoneRef | None = None
    unseen_only: bool = False
    limit: int = DEFAULT_PAGE
    cursor: str | None = None


@dataclass(frozen=True)
class EventPage:
    """One page of the list, newest first, and the cursor of the next (None at the end)."""

    events: list[Event]
    seen: frozenset[str]  # the ids of this page's events the user has seen
    next_cursor: str | None


# --- Cursors ---


def encode_cursor(start_us: int, event_id: str) -> str:
    """The opaque cursor after the row (`start_us`, `event_id`)."""
    raw = f"{start_us}:{event_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str]:
    """The row key a cursor names; `events.cursor_invalid` for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as err:
        raise _bad_cursor() from err
    found = _CURSOR.match(raw)
    if found is None or int(found.group(1)) >= 2**63:
        raise _bad_cursor()
    return int(found.group(1)), found.group(2)


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        "The page cursor is not one this list handed out.", code="events.cursor_invalid"
    )


# --- Parsing what callers send ---


def parse_moment(text: str | None, *, naive_is_utc: bool = False) -> int | None:
    """A moment given as µs since the epoch or as ISO 8601 (with a time zone, unless
    `naive_is_utc`), in µs; `events.time_invalid` for anything else."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    if text.isdigit() and len(text) <= 18:
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise _bad_time() from err
    if moment.tzinfo is None:
        if not naive_is_utc:
            raise _bad_time()
        moment = moment.replace(tzinfo=UTC)
    if moment.year < 1970:
        raise _bad_time()
    return int(moment.timestamp() * SECOND_US)


def _bad_time() -> ValidationFailed:
    return ValidationFailed(
        "Give a time as microseconds since 1970 or as ISO 8601 with a time zone.",
        code="events.time_invalid",
    )


def camera_id(text: str) -> str:
    """A camera id as a filter takes it; `events.camera_invalid` for anything else."""
    if not re.fullmatch(r"[0-9a-f]{32}", text):
        raise ValidationFailed("No such camera.", code="events.camera_invalid")
    return text


def event_id(text: str) -> str:
    """An event id as a link names it; `event.not_found` for anything else (as a missing one)."""
    if not re.fullmatch(r"[0-9a-f]{32}", text):
        raise NotFound("No such event.", code="event.not_found")
    return text


def zone_ref(text: str | None) -> ZoneRef | None:
    """A zone given as "<camera id>:<zone id>"; `events.zone_invalid` for anything else."""
    if text is None or not text:
        return None
    camera_id, _, zone_id = text.partition(":")
    if not re.fullmatch(r"[0-9a-f]{32}", camera_id) or not re.fullmatch(
        r"[a-z0-9-]{1,32}", zone_id
    ):
        raise ValidationFailed("No such zone.", code="events.zone_invalid")
    return ZoneRef(camera_id, zone_id)


# --- The list ---


def list_events(session: Session, who: Principal, query: EventQuery) -> EventPage:
    """One page of the events `who` may see, newest first, filtered by `query`."""
    if not 1 <= query.limit <= MAX_PAGE:
        raise ValidationFailed(f"A page holds 1 to {MAX_PAGE} events.", code="events.limit_invalid")
    mark = seen_mark(session, user_id=who.user_id)
    statement = page_statement(who, query, mark).limit(query.limit + 1)
    events = list(session.scalars(statement))
    more = len(events) > query.limit
    events = events[: query.limit]
    last = events[-1] if more else None
    return EventPage(
        events=events,
        seen=seen_among(session, user_id=who.user_id, events=events, mark=mark),
        next_cursor=encode_cursor(last.start_us, last.id) if last else None,
    )


def page_statement(who: Principal, query: EventQuery, mark: int) -> Select[Event]:
    """The list's query, newest first, without its limit (`mark`: the seen mark)."""
    # Filtered by zone, the zone's index leads: its rows carry the event's start and id.
    start: InstrumentedAttribute[int] = Event.start_us
    key: InstrumentedAttribute[str] = Event.id
    statement = select(Event).where(listable(Kind.EVENT, who))
    if query.zone is not None:
        start, key = EventZone.start_us, EventZone.event_id
        statement = statement.join(EventZone, EventZone.event_id == Event.id).where(
            EventZone.camera_id == query.zone.camera_id,
            EventZone.zone_id == query.zone.zone_id,
        )
    return statement.where(*_filters(who, query, mark, start, key)).order_by(
        start.desc(), key.desc()
    )


def _filters(
    who: Principal,
    query: EventQuery,
    mark: int,
    start: InstrumentedAttribute[int],
    key: InstrumentedAttribute[str],
) -> list[ColumnElement[bool]]:
    # One lower and one upper bound on the start, each the tightest of those that apply:
    # SQLite ranges an index scan on one bound per side and filters the rest row by row, so
    # a deep page inside a time window would otherwise walk the window from its end.
    conditions: list[ColumnElement[bool]] = []
    if query.camera_ids:
        conditions.append(Event.camera_id.in_(query.camera_ids))
    lowest = [query.from_us] if query.from_us is not None else []
    if query.unseen_only:
        lowest.append(mark + 1)
        conditions.append(~_seen_row(who.user_id, key))
    if lowest:
        conditions.append(start >= max(lowest))
    conditions.extend(_upper_bound(query, start, key))
    return conditions


def _upper_bound(
    query: EventQuery, start: InstrumentedAttribute[int], key: InstrumentedAttribute[str]
) -> list[ColumnElement[bool]]:
    """Before `to_us`, and after the cursor's row: whichever is tighter (it implies the other)."""
    cursor = decode_cursor(query.cursor) if query.cursor is not None else None
    if cursor is None or (query.to_us is not None and query.to_us <= cursor[0]):
        return [start < query.to_us] if query.to_us is not None else []
    after_start, after_id = cursor
    # Written so that both databases keep to the index: a range, then the tie-break.
    return [start <= after_start, or_(start < after_start, key < after_id)]


def _seen_row(user_id: str, key: InstrumentedAttribute[str]) -> Any:
    return exists().where(EventSeen.user_id == user_id, EventSeen.event_id == key)


# --- Seen and unseen ---


def seen_mark(session: Session, *, user_id: str) -> int:
    """Every event that started at or before this moment (µs) is seen by the user."""
    mark = session.get(EventSeenMark, user_id)
    return mark.seen_through_us if mark is not None else 0


def seen_among(
    session: Session, *, user_id: str, events: Iterable[Event], mark: int | None = None
) -> frozenset[str]:
    """The ids of `events` the user has seen."""
    through = seen_mark(session, user_id=user_id) if mark is None else mark
    seen = {e.id for e in events if e.start_us <= through}
    rest = [e.id for e in events if e.start_us > through]
    if rest:
        rows = select(EventSeen.event_id).where(
            EventSeen.user_id == user_id, EventSeen.event_id.in_(rest)
        )
        seen.update(session.scalars(rows))
    return frozenset(seen)


def mark_seen(session: Session, *, user_id: str, event: Event) -> None:
    """The user has seen `event` (opening it marks it); twice is the same as once."""
    if event.start_us <= seen_mark(session, user_id=user_id):
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    row = {"user_id": user_id, "event_id": event.id}
    session.execute(dialect.insert(EventSeen).values(row).on_conflict_do_nothing())


def mark_all_seen(session: Session, *, user_id: str, now_us: int) -> None:
    """Every event so far is seen: the mark moves to now, and the single seen rows it now
    covers go (they say nothing the mark does not)."""
    mark = session.get(EventSeenMark, user_id)
    if mark is None:
        session.add(EventSeenMark(user_id=user_id, seen_through_us=now_us))
    else:
        mark.seen_through_us = max(mark.seen_through_us, now_us)
    covered = select(Event.id).where(Event.id == EventSeen.event_id, Event.start_us <= now_us)
    session.execute(
        delete(EventSeen).where(EventSeen.user_id == user_id, covered.exists()),
        execution_options={"synchronize_session": False},
    )
    session.flush()


def unseen_count(session: Session, who: Principal) -> int:
    """How many events `who` has not seen, counted up to `UNSEEN_COUNT_CAP`."""
    mark = seen_mark(session, user_id=who.user_id)
    unseen = (
        select(Event.id)
        .where(listable(Kind.EVENT, who), Event.start_us > mark, ~_seen_row(who.user_id, Event.id))
        .limit(UNSEEN_COUNT_CAP)
    )
    return session.scalar(select(func.count()).select_from(unseen.subquery())) or 0


# --- One event, the timeline's marks ---


def get_event(session: Session, who: Principal, event_id: str) -> Event:
    """The event if `who` may see it; `event.not_found` otherwise (as for a missing one)."""
    event: Event = resolve(session, who, Kind.EVENT, event_id, Action.VIEW)
    return event


def camera_marks(session: Session, *, camera_id: str, from_us: int, to_us: int) -> list[Event]:
    """The camera's events overlapping [from_us, to_us), oldest first (for the timeline)."""
    if not 0 < to_us - from_us <= MAX_MARKS_RANGE_US:
        raise ValidationFailed(
            "The range must be positive and at most 48 hours.", code="events.range_invalid"
        )
    statement = (
        select(Event)
        .where(
            Event.camera_id == camera_id,
            Event.start_us >= from_us - MARKS_LOOKBACK_US,
            Event.start_us < to_us,
            or_(Event.end_us.is_(None), Event.end_us >= from_us),
        )
        .order_by(Event.start_us, Event.id)
        .limit(MAX_MARKS)
    )
    return list(session.scalars(statement))


# --- What the list shows beside each event ---


def camera_names(session: Session, camera_ids: Iterable[str]) -> dict[str, str]:
    """The names of the given cameras, by id."""
    wanted = set(camera_ids)
    if not wanted:
        return {}
    rows = session.execute(select(Camera.id, Camera.name).where(Camera.id.in_(wanted)))
    return {camera_id: name for camera_id, name in rows}


def zone_names(session: Session, camera_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    """Each camera's zone names by zone id (a zone since deleted is named by its id)."""
    wanted = set(camera_ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(CameraDetection.camera_id, CameraDetection.zones).where(
            CameraDetection.camera_id.in_(wanted)
        )
    )
    return {camera_id: _names(zones) for camera_id, zones in rows}


def _names(zones_json: str) -> dict[str, str]:
    try:
        zones = json.loads(zones_json)
    except ValueError:
        return {}
    if not isinstance(zones, list):
        return {}
    return {
        str(z["id"]): str(z.get("name") or z["id"])
        for z in zones
        if isinstance(z, dict) and "id" in z
    }


def zones_hit(event: Event) -> list[str]:
    """The ids of the zones the event hit (none: the whole picture)."""
    try:
        zones = json.loads(event.zones or "[]")
    except ValueError:
        return []
    return [str(z) for z in zones] if isinstance(zones, list) else []


def clip_span(event: Event, now_us: int) -> tuple[int, int]:
    """The recorded span kept for the event: pre-roll to post-roll (to now while open)."""
    end = event.span_end_us if event.span_end_us is not None else max(now_us, event.start_us)
    return event.span_start_us, max(end, event.span_start_us + SECOND_US)


def zone_choices(session: Session, who: Principal) -> list[tuple[ZoneRef, str, str]]:
    """Every zone of the cameras `who` may see: (zone, camera name, zone name)."""
    cameras = session.execute(
        select(Camera.id, Camera.name, CameraDetection.zones)
        .join(CameraDetection, CameraDetection.camera_id == Camera.id)
        .where(listable(Kind.CAMERA, who))
        .order_by(Camera.name)
    )
    return [
        (ZoneRef(camera_id, zone_id), camera_name, zone_name)
        for camera_id, camera_name, zones in cameras
        for zone_id, zone_name in _names(zones).items()
    ]
