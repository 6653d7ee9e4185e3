"""API shapes of events: one event as the list and the timeline show it, a page of them."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field

from hearthwatch.events.models import Event


def when(us: int) -> datetime:
    """A moment in µs since the epoch as an aware UTC datetime."""
    return datetime.fromtimestamp(us / 1_000_000, tz=UTC)


class ZonePublic(BaseModel):
    id: str
    name: str


class ClipSpan(BaseModel):
    """The recorded span kept for the event: from the pre-roll to the post-roll."""

    start_us: int
    end_us: int


class EventPublic(BaseModel):
    """One event, with what a list or a timeline shows of it."""

    id: str
    camera_id: str
    camera_name: str
    kind: str
    start: datetime
    end: datetime | None = Field(description="None while the event is still going on.")
    start_us: int
    end_us: int | None
    peak_score: float = Field(description="The strongest motion seen, from 0 to 1.")
    zones: list[ZonePublic] = Field(description="The zones hit; none: the whole picture.")
    seen: bool = Field(description="Whether the caller has seen it (per user).")
    thumbnail_url: str | None
    clip: ClipSpan

    @classmethod
    def of(
        cls,
        event: Event,
        *,
        camera_name: str,
        zones: list[ZonePublic],
        seen: bool,
        clip: tuple[int, int],
    ) -> EventPublic:
        thumbnail = f"/api/v1/events/{event.id}/thumbnail" if event.thumbnail_key else None
        return cls(
            id=event.id, camera_id=event.camera_id, camera_name=camera_name, kind=event.kind,
            start=when(event.start_us),
            end=when(event.end_us) if event.end_us is not None else None,
            start_us=event.start_us, end_us=event.end_us, peak_score=event.peak_score,
            zones=zones, seen=seen, thumbnail_url=thumbnail,
            clip=ClipSpan(start_us=clip[0], end_us=clip[1]),
        )  # fmt: skip


class EventList(BaseModel):
    """A page of events, newest first; `next_cursor` asks for the next (None: the end)."""

    items: list[EventPublic]
    next_cursor: str | None


class CameraEvents(BaseModel):
    """A camera's events overlapping a range, oldest first (the playback timeline's marks)."""

    items: list[EventPublic]


class UnseenCount(BaseModel):
    count: int = Field(description="Events not seen yet, counted up to `cap`.")
    capped: bool = Field(description="True when there are at least `cap` (show e.g. 999+).")
    cap: int
