"""Builders for what many tests set up: accounts, operators, cameras, recordings, API tokens,
sign-in sessions, data exports and archives; and readers for what the tests then check.

Each goes through the product's own service where one exists (a confirmed account, a hashed
token, a segment sealed by the vault), so what a test builds is what the service would have
stored. Cameras are the exception: a row owned by someone stands in for a bound device,
with no simulator behind it, for tests about what is stored rather than what is streamed.
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from hearthwatch.accounts import signin
from hearthwatch.accounts.admin import create_confirmed_user
from hearthwatch.accounts.credentials import create_token
from hearthwatch.accounts.models import User
from hearthwatch.camsim.scene import SceneSpec, load_clip
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.media.fmp4 import TIMESCALE, Sample, fragment, init_segment
from hearthwatch.media.models import Segment
from hearthwatch.media.sealed import SealError
from hearthwatch.media.segmenter import FinishedSegment
from hearthwatch.privacy.audit.models import AuditEntry
from hearthwatch.privacy.export import build as export_build
from hearthwatch.privacy.export import service as export
from hearthwatch.privacy.export.models import DataExport
from hearthwatch.security.datakeys import KeyDestroyed
from hearthwatch.storage.blobs import BlobNotFound

STRONG_PASSWORD = "violet-harbour-trumpet-42"
SECOND = 1_000_000  # segment times are in microseconds
DAY_US = 86_400 * SECOND
OPERATOR = "olga@example.net"

# Playable recordings: a small real H.264 scene, cut into 2 s segments as the recorder does.
PLAYABLE_SCENE = SceneSpec(width=320, height=180, seconds=4, bitrate_kbps=300, motion=((1.0, 3.0),))
PLAYABLE_SEGMENT_US = 2 * SECOND
RECORDED_AT_US = 1_790_000_000_000_000  # 2026-09-21, on a whole second


# Accounts


def add_user(
    ctx: AppContext,
    email: str = "alice@example.org",
    *,
    password: str = STRONG_PASSWORD,
    nickname: str | None = None,
) -> User:
    """A confirmed account that can sign in at once."""
    with ctx.db.session() as session:
        return create_confirmed_user(
            ctx, session, email=email, password=password, nickname=nickname
        )


def add_operator(ctx: AppContext, email: str = OPERATOR) -> User:
    """An account holding the operator role (every operator tool: the request desk,
    complaints, statistics, the audit log and the privacy check)."""
    listed = {a for a in ctx.settings.operator_emails.split(",") if a}
    ctx.settings.operator_emails = ",".join(sorted(listed | {email}))
    return add_user(ctx, email)


def add_api_token(
    ctx: AppContext, user: User, name: str = "script", *, expires_in_days: int | None = None
) -> str:
    """A personal API token of `user`; returns its secret (the bearer value)."""
    with ctx.db.session() as session:
        owner = session.get(User, user.id)
        assert owner is not None
        made = create_token(ctx, session, user=owner, name=name, expires_in_days=expires_in_days)
        return made.secret


def open_browser_session(
    ctx: AppContext,
    user: User,
    *,
    ip_address: str | None = "203.0.113.5",
    user_agent: str | None = "pytest",
) -> str:
    """A signed-in browser session of `user`, as the sign-in form opens; returns its id."""
    with ctx.db.session() as session:
        owner = session.get(User, user.id)
        assert owner is not None
        opened = signin.open_session(
            ctx, session, user=owner, ip_address=ip_address, user_agent=user_agent
        )
        return opened.session.id


# Cameras and recordings


def add_camera(ctx: AppContext, owner_id: str, name: str = "Yard", **columns: Any) -> str:
    """A camera bound to `owner_id` with no device behind it; returns its id. `columns` sets
    any other column (serial, retention_days, recording_mode, ...)."""
    values: dict[str, Any] = {
        "rtsp_url": "rtsp://127.0.0.1:9/none",
        "activated_at": ctx.clock.now(),
        **columns,
    }
    with ctx.db.session() as session:
        camera = Camera(owner_id=owner_id, name=name, **values)
        session.add(camera)
        session.flush()
        return camera.id


def add_segment(
    ctx: AppContext,
    owner_id: str,
    camera_id: str,
    start_us: int,
    *,
    length_us: int = 4 * SECOND,
    frames: int = 100,
    data: bytes = b"video" * 500,
) -> None:
    """One segment (opaque bytes, not playable), sealed and indexed by the real vault."""
    segment = FinishedSegment(start_us, start_us + length_us, frames, data)
    ctx.vault.store_segment(owner_id=owner_id, camera_id=camera_id, segment=segment)


def add_segments(ctx: AppContext, owner_id: str, camera_id: str, starts_s: Iterable[int]) -> None:
    """Four-second segments through the real vault, starting at each second given."""
    for start in starts_s:
        add_segment(ctx, owner_id, camera_id, start * SECOND)


def add_segment_now(ctx: AppContext, owner_id: str, camera_id: str) -> None:
    """One four-second segment starting at the clock's now (frozen time in most tests)."""
    add_segment(ctx, owner_id, camera_id, int(ctx.clock.now().timestamp() * SECOND))


def add_camera_with_a_segment(ctx: AppContext, owner_id: str, name: str = "Yard") -> str:
    """A camera with one four-second segment recorded at the clock's now; returns its id."""
    camera_id = add_camera(ctx, owner_id, name, rtsp_url="rtsp://127.0.0.1/x")
    add_segment_now(ctx, owner_id, camera_id)
    return camera_id


def add_camera_with_days(
    ctx: AppContext, owner_id: str, *, days: int, until_us: int, per_day: int = 3, **columns: Any
) -> Camera:
    """A camera with `per_day` four-second segments on each of the `days` days before
    `until_us`; `columns` sets its other columns (retention_days, ...)."""
    camera_id = add_camera(ctx, owner_id, rtsp_url="rtsp://127.0.0.1/x", **columns)
    for day in range(days):
        for index in range(per_day):
            start = until_us - (day + 1) * DAY_US + index * 4 * SECOND
            add_segment(ctx, owner_id, camera_id, start, data=b"x" * 1000)
    with ctx.db.session() as session:
        camera = session.get(Camera, camera_id)
        assert camera is not None
        session.expunge(camera)
        return camera


# Reading back what is stored


def row_exists(ctx: AppContext, model: Any, key: Any) -> bool:
    """Whether the row of `model` with primary key `key` is still stored."""
    with ctx.db.session() as session:
        return session.get(model, key) is not None


def cameras_of(ctx: AppContext, user_id: str) -> dict[str, Camera]:
    """The person's cameras by name, detached from their session."""
    with ctx.db.session() as session:
        cameras = session.scalars(select(Camera).where(Camera.owner_id == user_id)).all()
        session.expunge_all()
    return {c.name: c for c in cameras}


def stored_segments(ctx: AppContext, camera: Camera) -> tuple[list[Segment], list[str]]:
    """The camera's segment rows (oldest first) and the keys of its stored objects."""
    with ctx.db.session() as session:
        query = select(Segment).where(Segment.camera_id == camera.id).order_by(Segment.start_us)
        rows = list(session.scalars(query))
    return rows, sorted(ctx.vault.blobs.keys(f"{camera.owner_id}/{camera.id}/"))


def audit_actions(ctx: AppContext, actor: str | None = None) -> list[str]:
    """The audit log's actions in order, only those of `actor` when one is given."""
    query = select(AuditEntry.action).order_by(AuditEntry.seq)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    with ctx.db.session() as session:
        return list(session.scalars(query))


def segments_of(ctx: AppContext, camera_id: str) -> list[Segment]:
    """The camera's segment rows, detached from their session."""
    with ctx.db.session() as session:
        found = list(session.scalars(select(Segment).where(Segment.camera_id == camera_id)))
        session.expunge_all()
        return found


def readable(ctx: AppContext, segment: Segment) -> bool:
    """Whether the vault can still open the segment (key kept, object stored)."""
    try:
        ctx.vault.read_segment(segment)
    except (KeyDestroyed, SealError, BlobNotFound):
        return False
    return True


# Playable recordings


@dataclass(frozen=True)
class Recorded:
    camera_id: str
    segments: list[FinishedSegment]


def _length_prefixed(nals: Iterable[bytes]) -> bytes:
    """NAL units as MP4 stores them (AVCC), written here rather than by the product's code."""
    return b"".join(len(nal).to_bytes(4, "big") + nal for nal in nals)


def playable_segment(start_us: int) -> FinishedSegment:
    """A real 2 s H.264 segment, as the recorder writes it (init + one fragment)."""
    clip = load_clip(PLAYABLE_SCENE)
    frames = clip.frames[: 2 * clip.fps]
    samples = [Sample(_length_prefixed(f.nals), TIMESCALE // clip.fps, f.keyframe) for f in frames]
    init = init_segment(clip.sps, clip.pps, PLAYABLE_SCENE.width, PLAYABLE_SCENE.height)
    data = init + fragment(1, start_us * TIMESCALE // SECOND, samples)
    return FinishedSegment(start_us, start_us + PLAYABLE_SEGMENT_US, len(samples), data)


def add_recorded_camera(
    ctx: AppContext, owner_id: str, name: str, stretches: list[tuple[int, int]]
) -> Recorded:
    """A fully described camera of `owner_id` with playable recordings: one stretch per
    (start µs, number of back-to-back 2 s segments)."""
    camera_id = add_camera(
        ctx,
        owner_id,
        name,
        serial=None,
        rtsp_url="rtsp://192.0.2.10:554/stream1",
        sub_rtsp_url="rtsp://192.0.2.10:554/stream2",
        credentials=b"sealed-credentials",
        activated_at=datetime(2026, 9, 1, tzinfo=UTC),
        recording_mode="continuous",
        retention_days=14,
        video_codec="h264",
        video_width=PLAYABLE_SCENE.width,
        video_height=PLAYABLE_SCENE.height,
        video_fps=25.0,
    )
    segments = [
        playable_segment(start + i * PLAYABLE_SEGMENT_US)
        for start, count in stretches
        for i in range(count)
    ]
    for segment in segments:
        ctx.vault.store_segment(owner_id=owner_id, camera_id=camera_id, segment=segment)
    return Recorded(camera_id, segments)


# Data exports and archives


def build_export(ctx: AppContext, user: User) -> DataExport:
    """Request and build `user`'s data export in this thread; returns the finished job."""
    with ctx.db.session() as session:
        owner = session.get(User, user.id)
        assert owner is not None
        job_id = export.request_export(ctx, session, user=owner, password=STRONG_PASSWORD).id
    export_build.build(ctx, job_id)
    with ctx.db.session() as session:
        job = session.get(DataExport, job_id)
        assert job is not None
        session.expunge(job)
        return job


def open_export(ctx: AppContext, job: DataExport) -> zipfile.ZipFile:
    """The built archive of an export job."""
    return zipfile.ZipFile(export.archive_path(ctx, job.id))


def export_data_json(**changes: Any) -> bytes:
    """A minimal valid `data.json` of an export archive, with top-level `changes`."""
    data = {
        "format": "hearthwatch-export",
        "version": 1,
        "exported_at": "2026-11-22T00:00:00+00:00",
        "account_id": "a" * 32,
        "fields": [],
        "tables": {"users": [{"id": "a" * 32, "nickname": "x"}]},
        "recordings": [],
        "snapshots": [],
    }
    return json.dumps(data | changes).encode()


def zip_of(members: dict[str, bytes], *, deflate: bool = False) -> bytes:
    """A ZIP archive of `members`; a name's `#suffix` is dropped, to store a name twice."""
    out = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name on purpose
        with zipfile.ZipFile(out, "w", method) as archive:
            for name, data in members.items():
                archive.writestr(name.split("#")[0], data)
    return out.getvalue()
