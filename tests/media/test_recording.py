"""Recording by packet copy into encrypted segments (P38), playback (P13), P14, P12."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import av
import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hearthwatch.context import AppContext
from hearthwatch.media.models import Segment
from hearthwatch.media.sealed import Binding, SealError, open_sealed
from tests.conftest import sign_in
from tests.media.conftest import SMALL_SCENE, Cameras, wait_for

CAMERAS = "/api/v1/cameras"


def segment_count(ctx: AppContext, camera_id: str) -> int:
    with ctx.db.session() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Segment).where(Segment.camera_id == camera_id)
            )
            or 0
        )


def media_token(client: TestClient, camera_id: str, scope: str = "playback") -> str:
    response = client.post(f"{CAMERAS}/{camera_id}/media-token", json={"scope": scope})
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def last_hour() -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "start": (now - timedelta(hours=1)).isoformat(),
        "end": (now + timedelta(minutes=1)).isoformat(),
    }


def test_p38_segments_are_stored_encrypted_and_bound_to_their_camera(
    client: TestClient, bound: dict[str, Any], ctx: AppContext
) -> None:
    wait_for(lambda: segment_count(ctx, bound["id"]) >= 2)
    with ctx.db.session() as session:
        segment = session.scalars(select(Segment).where(Segment.camera_id == bound["id"])).first()
        assert segment is not None
    sealed = ctx.vault.blobs.get(segment.blob_key)
    assert b"moov" not in sealed and b"mdat" not in sealed and b"avcC" not in sealed
    plain = ctx.vault.read_segment(segment)
    assert plain[4:8] == b"ftyp"
    key = ctx.vault.keys.key_for(segment.owner_id, segment.camera_id)
    with pytest.raises(SealError):  # the same bytes filed under another camera's id
        open_sealed(key, Binding(segment.owner_id, "f" * 32, segment.blob_key), sealed)


def test_p13_timeline_and_segments_play(
    client: TestClient, bound: dict[str, Any], ctx: AppContext
) -> None:
    wait_for(lambda: segment_count(ctx, bound["id"]) >= 2)
    token = media_token(client, bound["id"])
    timeline = client.get(
        f"{CAMERAS}/{bound['id']}/recordings", params={**last_hour(), "token": token}
    ).json()
    assert "spans" in timeline, timeline
    assert len(timeline["spans"]) == 1 and len(timeline["segments"]) >= 2
    first, second = timeline["segments"][:2]
    assert first["end"] <= second["start"]
    segment = f"{CAMERAS}/{bound['id']}/segments/{first['id']}"
    start = datetime.fromisoformat(first["start"]).timestamp()
    # The player's form keeps the wall-clock times it lays segments out by...
    media = client.get(segment, params={"token": token, "form": "timeline"})
    assert media.headers["content-type"] == "video/mp4"
    assert "no-store" in media.headers["cache-control"]
    with av.open(io.BytesIO(media.content)) as container:
        frames = list(container.decode(video=0))
    assert frames and frames[0].key_frame
    assert frames[0].time == pytest.approx(start, abs=0.05)
    # ...and a download starts at zero, its moment kept as metadata (issue 12 item 10).
    download = client.get(segment, params={"token": token})
    assert "filename=" in download.headers["content-disposition"]
    with av.open(io.BytesIO(download.content)) as container:
        frames = list(container.decode(video=0))
        created = container.metadata.get("creation_time", "")
    assert frames and frames[0].key_frame and frames[0].time == pytest.approx(0, abs=0.05)
    assert created.startswith(datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%dT%H:%M"))
    assert client.get(segment, params={"token": token, "form": "raw"}).status_code == 422


def test_p14_recording_off_stores_nothing(
    client: TestClient, bound: dict[str, Any], ctx: AppContext
) -> None:
    client.patch(f"{CAMERAS}/{bound['id']}", json={"recording_mode": "off"})
    assert ctx.recorder is not None
    ctx.recorder.sync()
    before = segment_count(ctx, bound["id"])
    wait_for(lambda: client.get(f"{CAMERAS}/{bound['id']}").json()["online"])
    import time

    time.sleep(5)
    assert segment_count(ctx, bound["id"]) <= before + 1  # at most the segment being cut


def test_p13_snapshot_of_a_recorded_moment_and_live(
    client: TestClient, bound: dict[str, Any], ctx: AppContext
) -> None:
    wait_for(lambda: segment_count(ctx, bound["id"]) >= 1)
    token = media_token(client, bound["id"])
    segment = client.get(
        f"{CAMERAS}/{bound['id']}/recordings", params={**last_hour(), "token": token}
    ).json()["segments"][0]
    moment = datetime.fromisoformat(segment["start"]) + timedelta(milliseconds=900)
    shot = client.get(
        f"{CAMERAS}/{bound['id']}/snapshot", params={"token": token, "at": moment.isoformat()}
    )
    assert shot.status_code == 200 and shot.content[:2] == b"\xff\xd8"
    live = client.get(
        f"{CAMERAS}/{bound['id']}/snapshot",
        params={"token": media_token(client, bound["id"], "live")},
    )
    assert live.status_code == 200 and live.headers["content-type"] == "image/jpeg"
    picture = cv2.imdecode(np.frombuffer(live.content, np.uint8), cv2.IMREAD_COLOR)
    assert picture is not None and picture.shape[:2] == (SMALL_SCENE.height, SMALL_SCENE.width)


def test_p13_clip_download_is_a_standard_mp4(
    client: TestClient, bound: dict[str, Any], ctx: AppContext
) -> None:
    wait_for(lambda: segment_count(ctx, bound["id"]) >= 3)
    token = media_token(client, bound["id"])
    segments = client.get(
        f"{CAMERAS}/{bound['id']}/recordings", params={**last_hour(), "token": token}
    ).json()["segments"]
    start = datetime.fromisoformat(segments[0]["start"]) + timedelta(seconds=1)
    end = datetime.fromisoformat(segments[2]["end"]) - timedelta(seconds=1)
    clip = client.get(
        f"{CAMERAS}/{bound['id']}/clip",
        params={"token": token, "start": start.isoformat(), "end": end.isoformat()},
    )
    assert clip.status_code == 200, clip.text
    assert "attachment" in clip.headers["content-disposition"]
    with av.open(io.BytesIO(clip.content)) as container:
        stream = container.streams.video[0]
        frames = list(container.decode(stream))
    assert stream.codec_context.name == "h264"
    assert 4.0 <= len(frames) / 25 <= (end - start).total_seconds() + 2.1


def test_media_tokens_are_bound_to_camera_scope_and_session(
    app: Any, client: TestClient, bound: dict[str, Any], registered: Any, ctx: AppContext
) -> None:
    wait_for(lambda: segment_count(ctx, bound["id"]) >= 1)
    url = f"{CAMERAS}/{bound['id']}/recordings"
    live_token = media_token(client, bound["id"], "live")
    anonymous = TestClient(app)
    assert anonymous.get(url, params={**last_hour(), "token": live_token}).status_code == 401
    assert anonymous.get(url, params={**last_hour(), "token": "x.y"}).status_code == 401
    playback = media_token(client, bound["id"])
    other = client.post(
        f"{CAMERAS}/bind",
        json={
            "serial": registered[1].serial,
            "verification_code": registered[1].identity.verification_code,
        },
    ).json()
    wrong_camera = f"{CAMERAS}/{other['id']}/recordings"
    assert anonymous.get(wrong_camera, params={**last_hour(), "token": playback}).status_code == 401
    assert anonymous.get(url, params={**last_hour(), "token": playback}).status_code == 200
    client.post("/api/v1/auth/logout")
    assert anonymous.get(url, params={**last_hour(), "token": playback}).status_code == 401


def test_unbinding_erases_the_recordings(
    client: TestClient, bound: dict[str, Any], ctx: AppContext
) -> None:
    wait_for(lambda: segment_count(ctx, bound["id"]) >= 1)
    with ctx.db.session() as session:
        owner = session.scalars(select(Segment.owner_id)).first()
    assert client.delete(f"{CAMERAS}/{bound['id']}").status_code == 204
    assert ctx.recorder is not None
    ctx.recorder.sync()
    assert segment_count(ctx, bound["id"]) == 0
    assert list(ctx.vault.blobs.keys(f"{owner}/{bound['id']}/")) == []


def test_a_camera_reboot_leaves_a_gap_not_a_broken_file(
    client: TestClient, bound: dict[str, Any], ctx: AppContext, cameras: Cameras
) -> None:
    wait_for(lambda: segment_count(ctx, bound["id"]) >= 1)
    cameras.call(lambda: cameras.cameras[0].reboot(3.0))
    before = segment_count(ctx, bound["id"])
    wait_for(lambda: segment_count(ctx, bound["id"]) >= before + 2, timeout=30)
    token = media_token(client, bound["id"])
    timeline = client.get(
        f"{CAMERAS}/{bound['id']}/recordings", params={**last_hour(), "token": token}
    ).json()
    assert len(timeline["spans"]) >= 2
    with ctx.db.session() as session:
        for segment in session.scalars(select(Segment).where(Segment.camera_id == bound["id"])):
            with av.open(io.BytesIO(ctx.vault.read_segment(segment))) as container:
                assert sum(1 for _ in container.decode(video=0)) == segment.frames


def test_other_user_gets_nothing_even_with_a_segment_id(
    app: Any, client: TestClient, bound: dict[str, Any], ctx: AppContext, make_user: Any
) -> None:
    wait_for(lambda: segment_count(ctx, bound["id"]) >= 1)
    make_user(email="eve@example.org")
    eve = TestClient(app)
    sign_in(eve, "eve@example.org")
    with ctx.db.session() as session:
        segment_id = session.scalars(select(Segment.id)).first()
    response = eve.get(f"{CAMERAS}/{bound['id']}/segments/{segment_id}")
    assert response.status_code == 404


@pytest.mark.parametrize("jump_s", [3600.0, -50.0])
def test_a_camera_clock_jump_does_not_break_the_index(
    client: TestClient, bound: dict[str, Any], ctx: AppContext, cameras: Cameras, jump_s: float
) -> None:
    wait_for(lambda: segment_count(ctx, bound["id"]) >= 1)
    cameras.call(lambda: cameras.cameras[0].jump_timestamps(jump_s))
    before = segment_count(ctx, bound["id"])
    wait_for(lambda: segment_count(ctx, bound["id"]) >= before + 3, timeout=30)
    now_us = datetime.now(UTC).timestamp() * 1_000_000
    with ctx.db.session() as session:
        rows = list(
            session.scalars(
                select(Segment).where(Segment.camera_id == bound["id"]).order_by(Segment.start_us)
            )
        )
    for earlier, later in itertools.pairwise(rows):
        assert earlier.end_us <= later.start_us  # never overlapping, never backwards
    assert all(abs(r.start_us - now_us) < 120_000_000 for r in rows)  # on the recorder's clock
