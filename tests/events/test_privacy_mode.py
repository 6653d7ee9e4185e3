"""Issue 14 item 4: detection (and everything else) stops for a camera in privacy mode and
for a camera whose data is restricted (P21). Privacy mode on: no ingest, no detector, the
open event closes, live view is refused with `camera.privacy_mode`; off: all resumes within
a pass. A restriction of every use likewise leaves no detector running."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.websockets import WebSocketDisconnect

from hearthwatch.accounts.models import User
from hearthwatch.camsim import CameraFleet
from hearthwatch.context import AppContext
from hearthwatch.events.models import Event
from hearthwatch.media.models import Segment
from hearthwatch.media.recorder import Recorder
from tests.media.conftest import wait_for
from tests.support.motion_cameras import RecordingSink, motion_fleet, register, running_recorder

CAMERAS = "/api/v1/cameras"
KEEP_OPEN = {"quiet_seconds": 300, "min_duration_ms": 200}  # the event stays open here


@pytest.fixture(scope="module")
def fleet() -> Iterator[CameraFleet]:
    with motion_fleet(1) as running:
        yield running


@pytest.fixture
def watched(
    client: TestClient, alice: User, ctx: AppContext, fleet: CameraFleet
) -> Iterator[tuple[str, Recorder, RecordingSink]]:
    """Alice's camera with an event open on it (the visitor crossed), being recorded."""
    ctx.event_sink = sink = RecordingSink()
    camera = fleet.cameras[0]
    register(ctx, camera)
    body = {"serial": camera.serial, "verification_code": camera.verification_code, "name": "Yard"}
    camera_id = str(client.post(f"{CAMERAS}/bind", json=body).json()["id"])
    assert client.put(f"{CAMERAS}/{camera_id}/detection", json=KEEP_OPEN).status_code == 200
    with running_recorder(ctx) as recorder:
        wait_for(lambda: sink.ids("opened"), timeout=30)
        yield camera_id, recorder, sink


def segment_count(ctx: AppContext, camera_id: str) -> int:
    with ctx.db.session() as db:
        query = select(func.count()).select_from(Segment).where(Segment.camera_id == camera_id)
        return int(db.scalar(query) or 0)


def open_events(ctx: AppContext, camera_id: str) -> int:
    with ctx.db.session() as db:
        query = select(func.count()).select_from(Event)
        return int(db.scalar(query.where(Event.camera_id == camera_id, Event.end_us.is_(None))))


def live_token(client: TestClient, camera_id: str) -> str:
    answer = client.post(f"{CAMERAS}/{camera_id}/media-token", json={"scope": "live"})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


def stopped(recorder: Recorder, camera_id: str) -> bool:
    return camera_id not in recorder.ingests | recorder.sub_ingests | recorder.detectors


def test_issue14_privacy_mode_stops_analysis_recording_and_live_view_until_switched_off(
    client: TestClient, ctx: AppContext, watched: tuple[str, Recorder, RecordingSink]
) -> None:
    camera_id, recorder, sink = watched
    wait_for(lambda: segment_count(ctx, camera_id) >= 1)
    token = live_token(client, camera_id)
    on = client.put(f"{CAMERAS}/{camera_id}/privacy-mode", json={"on": True})
    assert on.status_code == 200
    # Live view is refused at once, with a code saying why.
    refused = client.get(f"{CAMERAS}/{camera_id}/snapshot")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "camera.privacy_mode")
    offer = client.post(f"{CAMERAS}/{camera_id}/webrtc?token={token}",
                        json={"sdp": "v=0", "type": "offer"})  # fmt: skip
    assert (offer.status_code, offer.json()["error"]["code"]) == (409, "camera.privacy_mode")
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect(f"{CAMERAS}/{camera_id}/live?token={token}") as socket,
    ):
        socket.receive_bytes()
    assert closed.value.code == 4409
    # The recorder stops everything at its next pass; the open event closes.
    wait_for(lambda: stopped(recorder, camera_id))
    wait_for(lambda: sink.ids("closed") == sink.ids("opened")[:1])
    assert open_events(ctx, camera_id) == 0
    held = segment_count(ctx, camera_id)
    recorder.sync()
    assert stopped(recorder, camera_id) and segment_count(ctx, camera_id) == held
    shown = client.get(f"{CAMERAS}/{camera_id}").json()
    assert (shown["privacy_mode"], shown["online"]) == (True, False)
    assert shown["problem_code"] == "camera.privacy_mode"

    assert client.put(f"{CAMERAS}/{camera_id}/privacy-mode", json={"on": False}).status_code == 200
    wait_for(lambda: camera_id in recorder.detectors and camera_id in recorder.sub_ingests)
    wait_for(lambda: segment_count(ctx, camera_id) > held)
    wait_for(lambda: client.get(f"{CAMERAS}/{camera_id}/snapshot").status_code == 200)


def test_p21_a_restricted_camera_runs_no_detector_and_its_open_event_closes(
    client: TestClient, ctx: AppContext, watched: tuple[str, Recorder, RecordingSink]
) -> None:
    camera_id, recorder, sink = watched
    answer = client.post(
        "/api/v1/privacy/limits/restrictions", json={"use": "all", "camera_id": camera_id}
    )
    assert answer.status_code == 201, answer.text
    wait_for(lambda: stopped(recorder, camera_id))
    wait_for(lambda: sink.ids("closed"))
    assert open_events(ctx, camera_id) == 0
    opened = len(sink.ids("opened"))
    recorder.sync()
    assert stopped(recorder, camera_id) and len(sink.ids("opened")) == opened
    limit_id = answer.json()["limit"]["id"]
    assert client.delete(f"/api/v1/privacy/limits/{limit_id}").status_code == 200
    wait_for(lambda: camera_id in recorder.detectors)
