"""Clips: what a clip of a recorded range holds, and the clip itself (MP4 by packet copy)."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hearthwatch.api.deps import ContextDep, DbDep
from hearthwatch.context import AppContext
from hearthwatch.errors import NotFound, ValidationFailed
from hearthwatch.media import playback, recorded
from hearthwatch.media.api import PRIVATE, CameraId, Token, media_user
from hearthwatch.media.models import Segment

router = APIRouter(prefix="/cameras", tags=["media"])

MAX_CLIP = timedelta(hours=1)
CLIP_LEAD_US = 10_000_000  # a clip may open on a keyframe up to a segment early


class ClipGap(BaseModel):
    start: datetime
    end: datetime


class ClipRange(BaseModel):
    """What a clip of the asked range holds: it opens on a keyframe and keeps the gaps."""

    asked_start: datetime
    asked_end: datetime
    start: datetime = Field(description="The clip's first frame (a keyframe).")
    end: datetime = Field(description="Where the clip's video stops.")
    recorded_seconds: float = Field(description="Recorded video in the clip, gaps left out.")
    gaps: list[ClipGap] = Field(description="Stretches inside the clip with no recording.")
    shorter: bool = Field(description="True when the clip holds less video than asked for.")
    notes: list[recorded.ClipNote] = Field(description="Why the clip differs from the ask.")

    @classmethod
    def of(cls, got: recorded.DeliveredRange) -> ClipRange:
        when = recorded.from_us
        return cls(
            asked_start=when(got.asked_start_us), asked_end=when(got.asked_end_us),
            start=when(got.start_us), end=when(got.end_us),
            recorded_seconds=round(got.recorded_us / 1_000_000, 3),
            gaps=[ClipGap(start=when(a), end=when(b)) for a, b in got.gaps],
            shorter=got.shorter, notes=got.notes,
        )  # fmt: skip

    def headers(self) -> dict[str, str]:
        """The same, for the download's response headers (ASCII, ISO 8601 times)."""
        return {
            "hearthwatch-clip-start": self.start.isoformat(),
            "hearthwatch-clip-end": self.end.isoformat(),
            "hearthwatch-clip-recorded-seconds": f"{self.recorded_seconds:.3f}",
            "hearthwatch-clip-notes": ",".join(self.notes),
        }


def _clip_parts(
    ctx: AppContext, db: Session, camera_id: str, start: datetime, end: datetime
) -> tuple[list[Segment], int, int]:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationFailed("Give start and end with a time zone.", code="request.invalid")
    if not timedelta(0) < end - start <= MAX_CLIP:
        raise ValidationFailed(
            "A clip is between a moment and one hour long.", code="recording.range_invalid"
        )
    start_us, end_us = recorded.exact_us(start), recorded.exact_us(end)
    segments = ctx.vault.segments_between(db, camera_id, start_us - CLIP_LEAD_US, end_us)
    if not any(s.end_us > start_us for s in segments):
        raise NotFound("Nothing was recorded in that range.", code="recording.not_found")
    return segments, start_us, end_us


def _delivered(
    ctx: AppContext, segments: list[Segment], start_us: int, end_us: int
) -> recorded.DeliveredRange:
    first = next(s for s in segments if s.end_us > start_us)
    try:
        got = recorded.delivered_range(
            segments, ctx.vault.read_segment(first), start_us=start_us, end_us=end_us
        )
    except ValueError as err:
        raise NotFound("Nothing was recorded in that range.", code="recording.not_found") from err
    return got


@router.get("/{camera_id}/clip/range", response_model=ClipRange)
def clip_range(
    camera_id: CameraId,
    start: datetime,
    end: datetime,
    request: Request,
    ctx: ContextDep,
    db: DbDep,
    token: Token = None,
) -> ClipRange:
    """What a clip of [start, end) would hold, without making it: its real first and last
    moment, the recorded seconds, the gaps, and why it differs from the ask."""
    media_user(ctx, db, request, camera_id=camera_id, scope="playback", token=token)
    segments, start_us, end_us = _clip_parts(ctx, db, camera_id, start, end)
    return ClipRange.of(_delivered(ctx, segments, start_us, end_us))


CLIP_HEADERS = {
    "Hearthwatch-Clip-Start": "The clip's first frame (ISO 8601): a keyframe, maybe early.",
    "Hearthwatch-Clip-End": "Where the clip's video stops (ISO 8601).",
    "Hearthwatch-Clip-Recorded-Seconds": "Recorded video in the clip, gaps left out.",
    "Hearthwatch-Clip-Notes": "Why the clip differs from the ask, comma-separated codes: "
    + ", ".join(recorded.ClipNote),
}


@router.get(
    "/{camera_id}/clip",
    responses={
        200: {
            "content": {"video/mp4": {}},
            "headers": {
                name: {"description": text, "schema": {"type": "string"}}
                for name, text in CLIP_HEADERS.items()
            },
        }
    },
)
def clip(
    camera_id: CameraId,
    start: datetime,
    end: datetime,
    request: Request,
    ctx: ContextDep,
    db: DbDep,
    token: Token = None,
) -> Response:
    """Download [start, end) (at most one hour) as a standard MP4, without re-encoding.
    The `Hearthwatch-Clip-*` headers say what it holds (see `/clip/range`)."""
    media_user(ctx, db, request, camera_id=camera_id, scope="playback", token=token)
    segments, start_us, end_us = _clip_parts(ctx, db, camera_id, start, end)
    got = ClipRange.of(_delivered(ctx, segments, start_us, end_us))
    parts = [ctx.vault.read_segment(s) for s in segments]
    try:
        data = playback.clip_mp4(parts, start_us=start_us, end_us=end_us)
    except ValueError as err:
        raise NotFound("Nothing was recorded in that range.", code="recording.not_found") from err
    name = f"hearthwatch-{start.strftime('%Y%m%d-%H%M%S')}.mp4"
    headers = {
        **PRIVATE, **got.headers(), "content-disposition": f'attachment; filename="{name}"'
    }  # fmt: skip
    return Response(data, media_type="video/mp4", headers=headers)
