"""Media routes: tokens, the recording timeline, segments and snapshots (clips: clip_api.py,
live video: live_api.py).

Every byte of media is authorised when it is served: the short-lived token must be valid
for this camera and scope, the permission resolver must still agree, and the session or
API token the media token came from must still be alive (P16 and issue-level rule 15).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import (
    APIRouter,
    Path,
    Query,
    Request,
    Response,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.access import media_tokens
from hearthwatch.access.resolver import Action, authorize
from hearthwatch.accounts.signin import credential_alive
from hearthwatch.api.deps import CallerDep, ContextDep, DbDep, caller_for
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.devices.schemas import (
    MediaTokenIn,
    MediaTokenOut,
    SegmentPublic,
    Span,
    Timeline,
)
from hearthwatch.errors import (
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from hearthwatch.media import playback, recorded
from hearthwatch.media.masks import Polygon, parse_polygons
from hearthwatch.media.models import Segment
from hearthwatch.media.snapshots import LiveSnapshots
from hearthwatch.privacy.limits.service import camera_held

if TYPE_CHECKING:
    pass

router = APIRouter(prefix="/cameras", tags=["media"])

CameraId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
Token = Annotated[str | None, Query(max_length=2048, description="Media token from media-token")]
MAX_TIMELINE = timedelta(hours=48)
PRIVATE = {"cache-control": "private, no-store", "x-content-type-options": "nosniff"}
SCOPE_ACTION = {"live": Action.WATCH_LIVE, "playback": Action.PLAYBACK}
FRAME_TIME_HEADER = "hearthwatch-frame-time"

_snapshots = LiveSnapshots()


def media_token_key(ctx: AppContext) -> bytes:
    return ctx.keyring.derive("media-token-v1")


@router.post("/{camera_id}/media-token", response_model=MediaTokenOut)
def media_token(
    camera_id: CameraId, body: MediaTokenIn, caller: CallerDep, ctx: ContextDep, db: DbDep
) -> MediaTokenOut:
    """A token (valid a few minutes) for the live socket or for playback URLs."""
    authorize(db, user_id=caller.user.id, camera_id=camera_id, action=SCOPE_ACTION[body.scope])
    expires = ctx.clock.now() + timedelta(seconds=ctx.settings.media_token_seconds)
    grant = media_tokens.MediaGrant(
        user_id=caller.user.id,
        camera_id=camera_id,
        credential_id=caller.session_id or caller.token_id or "",
        scope=body.scope,
        expires=int(expires.timestamp()),
    )
    return MediaTokenOut(token=media_tokens.issue(media_token_key(ctx), grant), expires_at=expires)


def media_user(
    ctx: AppContext,
    db: Session,
    request: Request | None,
    *,
    camera_id: str,
    scope: str,
    token: str | None,
) -> str:
    """The user on whose behalf media is served, checked now."""
    if token:
        grant = media_tokens.verify(
            media_token_key(ctx), token, camera_id=camera_id, scope=scope, now=ctx.clock.now()
        )
        if not credential_alive(ctx, db, grant.credential_id):
            raise NotAuthenticated("Sign in again.", code="media.token_invalid")
        user_id = grant.user_id
    elif request is not None:
        user_id = caller_for(request, ctx, db).user.id
    else:
        raise NotAuthenticated("A media token is needed.", code="media.token_invalid")
    authorize(db, user_id=user_id, camera_id=camera_id, action=SCOPE_ACTION[scope])
    if scope == "live":
        refuse_if_restricted(ctx, db, camera_id)
        refuse_in_privacy_mode(db, camera_id)
    return user_id


def refuse_in_privacy_mode(db: Session, camera_id: str) -> None:
    """A camera in privacy mode is not shown live until it is switched off (issue 14)."""
    if db.scalar(select(Camera.privacy_mode).where(Camera.id == camera_id)):
        raise Conflict(
            "Privacy mode is on: the camera is not shown live until you switch it off.",
            code="camera.privacy_mode",
        )


def camera_masks(db: Session, camera_id: str) -> tuple[Polygon, ...]:
    """The camera's privacy masks, blacked out in every picture served of it."""
    return parse_polygons(db.scalar(select(Camera.privacy_masks).where(Camera.id == camera_id)))


def refuse_if_restricted(ctx: AppContext, db: Session, camera_id: str) -> None:
    """Live view and live snapshots are uses of the camera's data: a restriction of every
    use stops them (P21). Recordings stay readable to the person, as a restriction keeps."""
    if camera_held(db, camera_id=camera_id, at=ctx.clock.now()):
        raise PermissionDenied(
            "Every use of this camera's data is restricted: live view is off until you "
            "lift the restriction.",
            code="camera.restricted",
        )


@router.get("/{camera_id}/recordings", response_model=Timeline)
def timeline(
    camera_id: CameraId,
    start: datetime,
    end: datetime,
    request: Request,
    ctx: ContextDep,
    db: DbDep,
    token: Token = None,
) -> Timeline:
    """Recorded spans and segments between `start` and `end` (at most 48 hours)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationFailed("Give start and end with a time zone.", code="request.invalid")
    if not timedelta(0) < end - start <= MAX_TIMELINE:
        raise ValidationFailed(
            "The range must be positive and at most 48 hours.", code="recording.range_invalid"
        )
    media_user(ctx, db, request, camera_id=camera_id, scope="playback", token=token)
    segments = ctx.vault.segments_between(db, camera_id, playback.to_us(start), playback.to_us(end))
    return Timeline(
        start=start,
        end=end,
        spans=[
            Span(start=playback.to_datetime(s.start_us), end=playback.to_datetime(s.end_us))
            for s in playback.spans(segments)
        ],
        segments=[
            SegmentPublic(
                id=s.id,
                start=playback.to_datetime(s.start_us),
                end=playback.to_datetime(s.end_us),
                bytes=s.bytes,
            )
            for s in segments
        ],
    )


def _segment(db: Session, camera_id: str, segment_id: int) -> Segment:
    segment = db.get(Segment, segment_id)
    if segment is None or segment.camera_id != camera_id:
        raise NotFound("No such recording.", code="recording.not_found")
    return segment


SegmentForm = Annotated[
    Literal["file", "timeline"],
    Query(description="file: starts at zero; timeline: wall-clock times, for the player"),
]


@router.get("/{camera_id}/segments/{segment_id}", responses={200: {"content": {"video/mp4": {}}}})
def read_segment(
    camera_id: CameraId,
    segment_id: Annotated[int, Path(ge=1, le=2**62)],
    request: Request,
    ctx: ContextDep,
    db: DbDep,
    token: Token = None,
    form: SegmentForm = "file",
) -> Response:
    """One recorded segment as fragmented MP4 (decrypted as it is served).

    As a `file` (the default) its tracks start at zero, the moment it was recorded kept as
    metadata, so any player shows its real length; as `timeline` it keeps the recorder's
    wall-clock decode times, for the player that lays segments on one timeline."""
    media_user(ctx, db, request, camera_id=camera_id, scope="playback", token=token)
    segment = _segment(db, camera_id, segment_id)
    data = ctx.vault.read_segment(segment)
    if form == "timeline":
        return Response(data, media_type="video/mp4", headers=PRIVATE)
    name = playback.to_datetime(segment.start_us).strftime("hearthwatch-%Y%m%d-%H%M%S.mp4")
    headers = {**PRIVATE, "content-disposition": f'inline; filename="{name}"'}
    return Response(playback.segment_file(data), media_type="video/mp4", headers=headers)


@router.get("/{camera_id}/snapshot", responses={200: {"content": {"image/jpeg": {}}}})
def snapshot(
    camera_id: CameraId,
    request: Request,
    ctx: ContextDep,
    db: DbDep,
    token: Token = None,
    at: datetime | None = None,
) -> Response:
    """A JPEG of the live picture, or of the recorded moment `at`."""
    if at is None:
        media_user(ctx, db, request, camera_id=camera_id, scope="live", token=token)
        hub = ctx.recorder.hub(camera_id) if ctx.recorder else None
        masks = camera_masks(db, camera_id)
        image = _snapshots.latest(camera_id, hub, masks) if hub else None
        if image is None:
            raise NotFound("The camera is offline.", code="camera.offline")
        return Response(image, media_type="image/jpeg", headers=PRIVATE)
    media_user(ctx, db, request, camera_id=camera_id, scope="playback", token=token)
    if at.tzinfo is None:
        raise ValidationFailed("Give the moment with a time zone.", code="request.invalid")
    moment = recorded.exact_us(at)
    slack = playback.GAP_TOLERANCE_US
    nearby = ctx.vault.segments_between(db, camera_id, moment - slack, moment + slack + 1)
    chosen = recorded.segment_at(nearby, moment)
    if chosen is None:
        raise NotFound("Nothing was recorded at that moment.", code="recording.not_found")
    try:
        frame = playback.frame_at(ctx.vault.read_segment(chosen), moment)
    except ValueError as err:
        raise NotFound("Nothing decodable was recorded then.", code="recording.not_found") from err
    headers = dict(PRIVATE)
    if frame.time is not None:
        shown = recorded.from_us(round(frame.time * 1_000_000))
        headers[FRAME_TIME_HEADER] = shown.isoformat()
    image = playback.jpeg(frame, masks=camera_masks(db, camera_id))
    return Response(image, media_type="image/jpeg", headers=headers)
