"""Issue 12 item 4 (live part): a camera's H.264 sub-stream serves live view of an H.265
camera, and costs nothing for an H.264 one.

Binding by address takes an optional sub-stream address, checked by the same outbound
policy and claimed like the main address; PATCH changes or removes it. The recorder runs a
live-only ingest of the sub-stream while the main stream is H.265: the live routes serve it
to viewers that cannot play H.265, and nothing of it is recorded.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.camsim.camera import SimulatedCamera
from hearthwatch.context import AppContext
from hearthwatch.devices.registry import register_camera
from hearthwatch.media.live_streams import live_stream, sends_h265
from hearthwatch.media.recorder import Recorder
from tests.conftest import sign_in
from tests.media.conftest import Cameras, wait_for
from tests.support import foreign_cameras
from tests.support.foreign_cameras import foreign_camera

CAMERAS = "/api/v1/cameras"
foreign = pytest.mark.skipif(
    not foreign_cameras.available(), reason="gst-rtsp-server or ffmpeg missing"
)


@pytest.fixture
def strict(ctx: AppContext, cameras: Cameras) -> str:
    """Only the simulator's own port allowed (as the demo does)."""
    allowed = f"127.0.0.1:{cameras.server.port}"
    ctx.settings.camera_allowed_networks = allowed
    return allowed


def test_issue12_item4_address_binding_takes_a_sub_stream_checked_and_held_like_the_main(
    app: FastAPI, make_user: Any, ctx: AppContext, cameras: Cameras, strict: str
) -> None:
    make_user()
    make_user(email="bob@example.org")
    alice, bob = TestClient(app), TestClient(app)
    sign_in(alice, "alice@example.org")
    sign_in(bob, "bob@example.org")
    main = cameras.url(0)
    sub = main.replace("/main", "/sub")
    body = {"url": main, "name": "Porch", "add_offline": True}

    forbidden = alice.post(
        f"{CAMERAS}/bind/rtsp", json={**body, "sub_url": "rtsp://169.254.169.254/s"}
    )
    assert forbidden.status_code == 422
    assert forbidden.json()["error"]["code"] == "camera.address_forbidden"
    assert alice.get(CAMERAS).json() == []

    bound = alice.post(f"{CAMERAS}/bind/rtsp", json={**body, "sub_url": sub})
    assert bound.status_code == 201, bound.text
    assert bound.json()["has_sub_stream"] is True
    camera_id = bound.json()["id"]
    taken = bob.post(f"{CAMERAS}/bind/rtsp", json={"url": sub, "name": "B", "add_offline": True})
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "camera.bound_elsewhere"

    removed = alice.patch(f"{CAMERAS}/{camera_id}", json={"sub_url": ""})
    assert removed.status_code == 200, removed.text
    assert removed.json()["has_sub_stream"] is False
    mine = bob.post(f"{CAMERAS}/bind/rtsp", json={"url": sub, "name": "B", "add_offline": True})
    assert mine.status_code == 201  # the sub-stream was let go with the change
    change = {"sub_url": sub}
    refused = alice.patch(f"{CAMERAS}/{camera_id}", json=change)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "camera.bound_elsewhere"
    outside = alice.patch(f"{CAMERAS}/{camera_id}", json={"sub_url": "rtsp://169.254.169.254/s"})
    assert outside.json()["error"]["code"] == "camera.address_forbidden"
    assert alice.get(f"{CAMERAS}/{camera_id}").json()["has_sub_stream"] is False


def test_issue12_item4_an_h264_camera_with_a_sub_stream_gets_no_second_ingest_for_live_view(
    client: TestClient,
    alice: User,
    ctx: AppContext,
    cameras: Cameras,
    registered: list[SimulatedCamera],
    recorder: Recorder,
) -> None:
    camera = registered[0]
    main = cameras.server.url(camera)
    with ctx.db.session() as db:
        register_camera(ctx, db, serial=camera.serial, code=camera.identity.verification_code,
                        rtsp_url=main, sub_rtsp_url=main.replace("/main", "/sub"))  # fmt: skip
    body = {"serial": camera.serial, "verification_code": camera.identity.verification_code}
    bound = client.post(f"{CAMERAS}/bind", json=body).json()
    assert bound["has_sub_stream"] is True
    # Only motion detection (issue 14, on by default) reads an H.264 camera's sub-stream.
    off = client.put(f"{CAMERAS}/{bound['id']}/detection", json={"enabled": False})
    assert off.status_code == 200
    wait_for(lambda: client.get(f"{CAMERAS}/{bound['id']}").json()["online"], timeout=30)
    recorder.sync()
    assert recorder.status(bound["id"]).codec == "h264"  # type: ignore[union-attr]
    assert recorder.sub_stream(bound["id"]) is None
    chosen = asyncio.run(live_stream(recorder, bound["id"], h264_only=True, wait_seconds=0))
    assert chosen is not None and not chosen.sub
    # With detection on, the sub-stream is received for analysis; live view keeps the main.
    assert client.put(f"{CAMERAS}/{bound['id']}/detection", json={"enabled": True}).is_success
    recorder.sync()
    assert recorder.sub_stream(bound["id"]) is not None
    chosen = asyncio.run(live_stream(recorder, bound["id"], h264_only=True, wait_seconds=0))
    assert chosen is not None and not chosen.sub


def recordings(client: TestClient, camera_id: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    window = {"start": (now - timedelta(hours=1)).isoformat(), "end": now.isoformat()}
    found: dict[str, Any] = client.get(f"{CAMERAS}/{camera_id}/recordings", params=window).json()
    return found


def segment_codecs(client: TestClient, camera_id: str, folder: Path) -> set[str]:
    """The video codec of every recorded segment, read by ffprobe."""
    found = set()
    timeline = recordings(client, camera_id)
    for segment in timeline["segments"]:
        path = folder / f"{segment['id']}.mp4"
        path.write_bytes(client.get(f"{CAMERAS}/{camera_id}/segments/{segment['id']}").content)
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)],
            capture_output=True, text=True, check=True, timeout=30,
        )  # fmt: skip
        found |= {s["codec_name"] for s in json.loads(probe.stdout)["streams"]}
    return found


@foreign
def test_issue12_item4_an_h265_camera_s_sub_stream_is_live_only_and_the_recording_stays_h265(
    client: TestClient, alice: User, recorder: Recorder, tmp_path: Path
) -> None:
    with foreign_camera("h265-aac") as main, foreign_camera("h264-sub") as sub:
        body = {"url": main.url, "name": "Garden", "sub_url": sub.url}
        bound = client.post(f"{CAMERAS}/bind/rtsp", json=body)
        assert bound.status_code == 201, bound.text
        camera_id = bound.json()["id"]
        running = wait_for(lambda: recorder.sub_stream(camera_id), timeout=30)
        hub, status = wait_for(
            lambda: running if running[0].gop and running[1].online else None, timeout=30
        )
        assert not sends_h265(hub) and status.codec == "h264"
        assert (status.width, status.height) == (640, 360)
        assert recorder.sub_ingests[camera_id].record is False
        main_hub = recorder.hub(camera_id)
        assert main_hub is not None and sends_h265(main_hub)

        for h264_only, sub_served in ((True, True), (False, False)):
            chosen = asyncio.run(
                live_stream(recorder, camera_id, h264_only=h264_only, wait_seconds=5)
            )
            assert chosen is not None and chosen.sub is sub_served
        wait_for(lambda: len(recordings(client, camera_id)["segments"])
                 >= 2, timeout=30)  # fmt: skip
        assert segment_codecs(client, camera_id, tmp_path) == {"hevc", "aac"}

        removed = client.patch(f"{CAMERAS}/{camera_id}", json={"sub_url": ""})
        assert removed.status_code == 200, removed.text
        recorder.sync()
        assert recorder.sub_stream(camera_id) is None
