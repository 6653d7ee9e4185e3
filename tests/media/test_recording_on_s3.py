"""Recording into the S3 backend (a real SeaweedFS server) and playing it back (P38)."""

from __future__ import annotations

import io
import secrets
from typing import Any

import av
from sqlalchemy import select

from hearthwatch.context import build_context
from hearthwatch.devices.models import Camera
from hearthwatch.media.models import Segment
from hearthwatch.media.recorder import Recorder
from hearthwatch.settings import Settings
from tests.media.conftest import Cameras, wait_for


def test_p38_segments_recorded_to_s3_are_sealed_and_play(
    settings: Settings, s3_endpoint: str, cameras: Cameras, make_user: Any
) -> None:
    s3_settings = settings.model_copy(
        update={
            "blob_backend": "s3",
            "s3_endpoint_url": s3_endpoint,
            "s3_bucket": "hearthwatch-tests",
            "s3_access_key": "test",
            "s3_secret_key": "test",
            "s3_prefix": f"rec-{secrets.token_hex(4)}",
            "segment_seconds": 2.0,
        }
    )
    ctx = build_context(s3_settings)
    try:
        user = make_user()
        with ctx.db.session() as session:
            camera = Camera(
                owner_id=user.id,
                name="S3 cam",
                rtsp_url=cameras.url(2),
                activated_at=ctx.clock.now(),
            )
            session.add(camera)
        recorder = Recorder(ctx, ctx.vault)
        recorder.start()
        try:
            wait_for(lambda: _segments(ctx, camera.id))
        finally:
            recorder.stop()
        segment = _segments(ctx, camera.id)[0]
        sealed = ctx.vault.blobs.get(segment.blob_key)
        assert b"mdat" not in sealed
        with av.open(io.BytesIO(ctx.vault.read_segment(segment))) as container:
            assert sum(1 for _ in container.decode(video=0)) == segment.frames
    finally:
        ctx.close()


def _segments(ctx: Any, camera_id: str) -> list[Segment]:
    with ctx.db.session() as session:
        return list(session.scalars(select(Segment).where(Segment.camera_id == camera_id)))
