"""Issue 14 items 1 and 2 on real streams: the recorder's detectors analyse the sub-stream
(or the main stream's keyframes when there is none), open an event when the simulated
visitor crosses, tell the event sink at once, store a masked, sealed thumbnail, and close
the event after the quiet period; a scene where nothing moves opens nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hearthwatch.accounts.models import User
from hearthwatch.camsim import CameraFleet
from hearthwatch.context import AppContext
from hearthwatch.events.models import Event, EventZone
from hearthwatch.events.thumbnails import read_thumbnail, thumbnail_key
from tests.media.conftest import wait_for
from tests.support.motion_cameras import (
    LAWN,
    SKY_CORNER,
    RecordingSink,
    motion_fleet,
    register,
    running_recorder,
)

CAMERAS = "/api/v1/cameras"


@pytest.fixture(scope="module")
def fleet() -> Iterator[CameraFleet]:
    with motion_fleet(2) as running:
        yield running


@pytest.fixture
def sink(ctx: AppContext) -> RecordingSink:
    ctx.event_sink = heard = RecordingSink()
    return heard


def bind(client: TestClient, ctx: AppContext, fleet: CameraFleet, index: int, *, sub: bool) -> str:
    camera = fleet.cameras[index]
    register(ctx, camera, sub=sub)
    body = {"serial": camera.serial, "verification_code": camera.verification_code, "name": "Yard"}
    bound = client.post(f"{CAMERAS}/bind", json=body)
    assert bound.status_code == 201, bound.text
    return str(bound.json()["id"])


def events_of(ctx: AppContext, camera_id: str) -> list[Event]:
    with ctx.db.session() as session:
        found = list(session.scalars(select(Event).where(Event.camera_id == camera_id)))
        session.expunge_all()
        return found


def closed_event(ctx: AppContext, sink: RecordingSink, camera_id: str) -> Event:
    """The camera's first event, once it closed (a loop is 8 s, motion from 3 s to 6 s)."""
    wait_for(lambda: sink.ids("closed"), timeout=40)
    event = next(e for e in events_of(ctx, camera_id) if e.id == sink.ids("closed")[0])
    return event


def test_issue14_sub_stream_motion_opens_an_event_in_its_zone_with_a_masked_thumbnail(
    client: TestClient, alice: User, ctx: AppContext, fleet: CameraFleet, sink: RecordingSink
) -> None:
    camera_id = bind(client, ctx, fleet, 0, sub=True)
    settings = {
        "quiet_seconds": 2,
        "min_duration_ms": 400,
        "pre_roll_s": 3,
        "post_roll_s": 4,
        "zones": [{"id": "lawn", "name": "Lawn", "points": LAWN}],
        "masks": [SKY_CORNER],
    }
    assert client.put(f"{CAMERAS}/{camera_id}/detection", json=settings).status_code == 200
    with running_recorder(ctx) as recorder:
        event = closed_event(ctx, sink, camera_id)
        detector = recorder.detectors[camera_id]
        assert not detector.keyframes_only  # the sub-stream is analysed, every frame of it
        assert camera_id in recorder.sub_ingests and detector.analysed > 0
        wait_for(lambda: events_of(ctx, camera_id)[0].thumbnail_key is not None)
    assert sink.ids("opened")[0] == event.id
    assert event.end_us is not None and event.start_us < event.end_us
    assert 1_500_000 < event.end_us - event.start_us < 5_000_000  # the 3 s crossing
    assert event.span_start_us == event.start_us - 3_000_000
    assert event.span_end_us == event.end_us + 4_000_000
    assert 0 < event.peak_score < 0.2 and json.loads(event.zones) == ["lawn"]
    with ctx.db.session() as session:
        zones = list(
            session.scalars(select(EventZone.zone_id).where(EventZone.event_id == event.id))
        )
    assert zones == ["lawn"]

    stored = events_of(ctx, camera_id)[0]
    key = thumbnail_key(owner_id=alice.id, camera_id=camera_id, event_id=stored.id)
    assert stored.thumbnail_key == key
    assert b"\xff\xd8" not in ctx.vault.blobs.get(key)[:64]  # sealed, not a bare JPEG
    jpeg = read_thumbnail(ctx.vault, stored)
    assert jpeg is not None
    picture = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    height, width = picture.shape[:2]
    assert width == 640  # from the main stream (the sub-stream is 320 wide)
    corner = picture[: int(height * 0.28), : int(width * 0.28)]
    rest = picture[int(height * 0.32) :, int(width * 0.32) :]
    assert corner.max() <= 16  # the privacy mask, black
    assert rest.mean() > 40  # the picture


def test_issue14_a_camera_without_sub_stream_is_analysed_on_main_stream_keyframes(
    client: TestClient, alice: User, ctx: AppContext, fleet: CameraFleet, sink: RecordingSink
) -> None:
    camera_id = bind(client, ctx, fleet, 1, sub=False)
    assert (
        client.put(f"{CAMERAS}/{camera_id}/detection", json={"quiet_seconds": 3}).status_code == 200
    )
    with running_recorder(ctx) as recorder:
        event = closed_event(ctx, sink, camera_id)
        detector = recorder.detectors[camera_id]
        assert detector.keyframes_only and camera_id not in recorder.sub_ingests
        # Keyframes only: at most one analysed frame per 2 s GOP (and the first one).
        assert detector.analysed <= (time.time() - event.start_us / 1e6) / 2 + 10
    assert event.end_us is not None and event.peak_score > 0


def test_issue14_nothing_moving_opens_no_event_and_disabled_detection_runs_no_detector(
    client: TestClient, alice: User, ctx: AppContext, sink: RecordingSink
) -> None:
    with motion_fleet(1, quiet=True) as quiet:
        camera_id = bind(client, ctx, quiet, 0, sub=True)
        with running_recorder(ctx) as recorder:
            detector = wait_for(lambda: recorder.detectors.get(camera_id))
            wait_for(lambda: detector.analysed >= 40, timeout=30)  # 8 s of the sub-stream
            assert events_of(ctx, camera_id) == [] and sink.calls == []
            off = client.put(f"{CAMERAS}/{camera_id}/detection", json={"enabled": False})
            assert off.status_code == 200
            wait_for(lambda: camera_id not in recorder.detectors)
            # Nothing decodes the sub-stream any more: its ingest goes too (H.264 main).
            wait_for(lambda: camera_id not in recorder.sub_ingests)
            assert recorder.ingests[camera_id].tap is None


def test_issue14_events_left_open_by_a_crash_are_closed_at_start(
    ctx: AppContext, alice: User
) -> None:
    from tests.factories import add_camera

    camera_id = add_camera(ctx, alice.id, rtsp_url="rtsp://127.0.0.1:9/none")
    with ctx.db.session() as session:
        left = Event(camera_id=camera_id, owner_id=alice.id, start_us=10_000_000,
                     end_us=None, last_active_us=14_000_000, span_start_us=5_000_000,
                     span_end_us=None)  # fmt: skip
        session.add(left)
        session.flush()
        event_id = left.id
    with running_recorder(ctx):
        pass
    with ctx.db.session() as session:
        closed = session.get(Event, event_id)
        assert closed is not None
        assert (closed.end_us, closed.span_end_us) == (14_000_000, 24_000_000)  # post-roll 10 s


def test_issue14_a_detector_behind_drops_frames_up_to_a_keyframe_and_never_blocks_the_ingest(
    ctx: AppContext, alice: User
) -> None:
    import io

    import av

    from hearthwatch.events.detection import DetectionSettings
    from hearthwatch.events.detector import QUEUE_FRAMES, CameraDetector
    from tests.factories import add_camera, playable_segment

    camera_id = add_camera(ctx, alice.id, rtsp_url="rtsp://127.0.0.1:9/none")
    detector = CameraDetector(ctx, owner_id=alice.id, camera_id=camera_id,
                              settings=DetectionSettings(), keyframes_only=False,
                              main_hub=lambda: None)  # fmt: skip
    data = playable_segment(1_800_000_000_000_000).data
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        packets = [p for p in container.demux(stream) if p.size]
        assert packets[0].is_keyframe and not any(p.is_keyframe for p in packets[1:])
        began = time.perf_counter()
        for index, packet in enumerate(packets):  # nobody analyses yet: the queue fills
            detector.offer(packet, stream, 1_800_000_000 + index / 25)
        per_packet = (time.perf_counter() - began) / len(packets)
    assert per_packet < 0.001  # a copy into a queue, whatever happens behind it
    assert detector.dropped == 1  # the first packet that found the queue full ...
    assert detector._queue.qsize() == QUEUE_FRAMES  # ... then nothing until a keyframe
    detector.start()
    try:
        wait_for(lambda: detector.analysed == QUEUE_FRAMES)
    finally:
        detector.stop()


def test_issue14_a_failing_sub_stream_leaves_detection_on_the_main_stream_keyframes(
    client: TestClient, alice: User, ctx: AppContext, fleet: CameraFleet, sink: RecordingSink
) -> None:
    from hearthwatch.devices.registry import register_camera

    camera = fleet.cameras[0]
    with ctx.db.session() as session:
        register_camera(ctx, session, serial=camera.serial, code=camera.verification_code,
                        rtsp_url=camera.main_url,
                        sub_rtsp_url=camera.main_url.replace("/main", "/missing"))  # fmt: skip
    body = {"serial": camera.serial, "verification_code": camera.verification_code, "name": "Yard"}
    camera_id = client.post(f"{CAMERAS}/bind", json=body).json()["id"]
    with running_recorder(ctx) as recorder:
        wait_for(lambda: (d := recorder.detectors.get(camera_id)) and d.keyframes_only)
        sub = recorder.sub_ingests[camera_id]
        assert sub.status.problem is not None and not sub.status.online  # still retried
        wait_for(lambda: sink.ids("opened"), timeout=30)
