"""Issue 14 item 2: recording only around events. A camera in the "events" mode records
continuously (the pre-roll must be there when an event opens); the retention sweep deletes
every segment that lies wholly outside every event's kept span once it is older than an
event about to open could reach back, files first, and keeps what an open event reaches."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.events.detection import EVENT_REACH_BACK_US
from hearthwatch.events.models import Event
from hearthwatch.media import retention
from tests.factories import SECOND, add_camera, playable_segment, segments_of
from tests.web.conftest import submit, web_sign_in

CAMERAS = "/api/v1/cameras"
BASE = 1_800_000_000 * SECOND  # a fixed moment; the sweep is handed "now" explicitly
NOW = BASE + 300 * SECOND


def camera_with_segments(ctx: AppContext, owner_id: str, mode: str) -> str:
    """A camera in `mode` with real 2 s segments back to back over five minutes to NOW."""
    camera_id = add_camera(ctx, owner_id, mode, rtsp_url="rtsp://127.0.0.1/x", recording_mode=mode)
    for start in range(BASE, NOW, 2 * SECOND):
        ctx.vault.store_segment(owner_id=owner_id, camera_id=camera_id,
                                segment=playable_segment(start))  # fmt: skip
    return camera_id


def add_event(ctx: AppContext, owner_id: str, camera_id: str, span: tuple[int, int | None]) -> None:
    start, end = span
    with ctx.db.session() as session:
        session.add(Event(camera_id=camera_id, owner_id=owner_id, start_us=start + 5 * SECOND,
                          end_us=None if end is None else end - 10 * SECOND,
                          last_active_us=start + 5 * SECOND, span_start_us=start,
                          span_end_us=end))  # fmt: skip


def starts_s(ctx: AppContext, camera_id: str) -> list[int]:
    return sorted((s.start_us - BASE) // SECOND for s in segments_of(ctx, camera_id))


def test_issue14_event_only_recording_keeps_the_spans_of_events_and_drops_the_rest(
    ctx: AppContext, alice: User
) -> None:
    around = camera_with_segments(ctx, alice.id, "events")
    always = camera_with_segments(ctx, alice.id, "continuous")
    for camera_id in (around, always):
        add_event(ctx, alice.id, camera_id, (BASE + 100 * SECOND, BASE + 120 * SECOND))
        add_event(ctx, alice.id, camera_id, (BASE + 40 * SECOND, None))  # still open
    add_event(ctx, alice.id, around, (BASE + 15 * SECOND, BASE + 21 * SECOND))
    prefix = f"{alice.id}/{around}/seg/"
    files_before = len(list(ctx.vault.blobs.keys(prefix)))

    report = retention.sweep(ctx, now_us=NOW)

    cut_s = (NOW - EVENT_REACH_BACK_US - BASE) // SECOND  # younger than this: all kept
    kept = starts_s(ctx, around)
    closed_span = list(range(100, 120, 2))  # [100 s, 120 s): the segments overlapping it
    assert kept == [14, 16, 18, 20, *range(40, 300, 2)]  # the open event reaches to now
    assert set(closed_span) <= set(kept) and cut_s < 300
    assert report.outside_events == 150 - len(kept) == 16
    assert len(list(ctx.vault.blobs.keys(prefix))) == files_before - 16  # files went too
    assert starts_s(ctx, always) == list(range(0, 300, 2))  # continuous: untouched


def test_issue14_event_only_recording_drops_all_but_the_young_without_events(
    ctx: AppContext, alice: User
) -> None:
    around = camera_with_segments(ctx, alice.id, "events")
    retention.sweep(ctx, now_us=NOW)
    kept = starts_s(ctx, around)
    young = (NOW - EVENT_REACH_BACK_US - BASE) // SECOND
    # What is younger than an event about to open could reach back stays; nothing else.
    assert kept == [s for s in range(0, 300, 2) if s + 2 > young]
    assert len(kept) == 45


def test_issue14_event_only_mode_is_a_recording_mode_of_the_api_and_the_settings_page(
    client: TestClient, app: Any, ctx: AppContext, alice: User
) -> None:
    camera_id = add_camera(ctx, alice.id, rtsp_url="rtsp://127.0.0.1/x")
    changed = client.patch(f"{CAMERAS}/{camera_id}", json={"recording_mode": "events"})
    assert changed.status_code == 200 and changed.json()["recording_mode"] == "events"
    with ctx.db.session() as session:
        camera = session.get(Camera, camera_id)
        assert camera is not None and camera.records  # recorded: the pre-roll needs it
    bad = client.patch(f"{CAMERAS}/{camera_id}", json={"recording_mode": "sometimes"})
    assert bad.status_code == 422

    web = TestClient(app)
    web_sign_in(web, alice.email)
    path = f"/cameras/{camera_id}/settings"
    page = web.get(path).text
    assert "Only around events" in page
    assert 'id="recording-events" name="recording_mode" value="events" checked' in page
    saved = submit(web, path, {"name": "Yard", "recording_mode": "continuous"})
    assert saved.status_code in (200, 303), saved.text
    assert client.get(f"{CAMERAS}/{camera_id}").json()["recording_mode"] == "continuous"
