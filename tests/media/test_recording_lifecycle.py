"""Issue 11 items 9 and 15: removing a camera while it records (P19), and restricting
every use of a camera or account stops its recording and live view (P21)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hearthwatch.context import AppContext
from hearthwatch.media.models import Segment
from hearthwatch.media.recorder import Recorder
from tests.media.conftest import wait_for

CAMERAS = "/api/v1/cameras"
RESTRICTIONS = "/api/v1/privacy/limits/restrictions"
LATE_WRITES = ("storing a segment failed", "segment of a removed camera dropped")


def segment_count(ctx: AppContext, camera_id: str) -> int:
    with ctx.db.session() as db:
        query = select(func.count()).select_from(Segment).where(Segment.camera_id == camera_id)
        return int(db.scalar(query) or 0)


def recording(recorder: Recorder, camera_id: str) -> Any:
    """The camera's running ingest, once frames flow."""
    return wait_for(lambda: (i := recorder.ingests.get(camera_id)) and i.status.online and i)


def test_p19_item9_removing_a_camera_while_it_records_leaves_nothing_behind(
    client: TestClient,
    bound: dict[str, Any],
    ctx: AppContext,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    camera_id = bound["id"]
    ingest = recording(recorder, camera_id)
    wait_for(lambda: segment_count(ctx, camera_id) >= 1)
    with ctx.db.session() as db:
        owner = db.scalars(select(Segment.owner_id)).first()
    caplog.set_level(logging.DEBUG, logger="hearthwatch")
    # The recorder's periodic pass is held back (as on a busy node): removing the camera
    # must stop its recording by itself, not leave it to the next pass.
    monkeypatch.setattr(recorder, "sync", lambda: None)

    def messages() -> str:
        return " ".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)

    assert client.delete(f"{CAMERAS}/{camera_id}").status_code == 204
    # An ingest left running would store the next segment it cuts after the camera's rows
    # are gone: wait for that to fail, or for the ingest to have been stopped.
    wait_for(lambda: not ingest.running or any(m in messages() for m in LATE_WRITES))
    monkeypatch.undo()
    recorder.sync()
    ingest.stop()  # waits for the ingest's thread: whatever it was writing is done
    assert not any(m in messages() for m in ("IntegrityError", *LATE_WRITES))
    assert camera_id not in recorder.ingests
    assert segment_count(ctx, camera_id) == 0
    assert list(ctx.vault.blobs.keys(f"{owner}/{camera_id}/")) == []
    root: Path = ctx.vault.blobs.root  # type: ignore[attr-defined]
    assert not (root / str(owner) / camera_id).exists()


def restrict(client: TestClient, **scope: Any) -> str:
    answer = client.post(RESTRICTIONS, json={"use": "all", **scope})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["limit"]["id"])


def live_snapshot(client: TestClient, camera_id: str) -> Any:
    return client.get(f"{CAMERAS}/{camera_id}/snapshot")


@pytest.mark.parametrize("whole_account", [False, True])
def test_p21_item15_restricting_all_use_stops_recording_and_live_view_until_lifted(
    client: TestClient,
    bound: dict[str, Any],
    ctx: AppContext,
    recorder: Recorder,
    whole_account: bool,
) -> None:
    camera_id = bound["id"]
    ingest = recording(recorder, camera_id)
    wait_for(lambda: segment_count(ctx, camera_id) >= 1)
    wait_for(lambda: live_snapshot(client, camera_id).status_code == 200)
    limit_id = restrict(client, **({} if whole_account else {"camera_id": camera_id}))
    # The live view refuses at once; the recorder stops at its next pass.
    refused = live_snapshot(client, camera_id)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "camera.restricted")
    wait_for(lambda: camera_id not in recorder.ingests)
    ingest.stop()  # its thread is done: nothing it held can still be written
    held = segment_count(ctx, camera_id)
    recorder.sync()
    assert camera_id not in recorder.ingests and segment_count(ctx, camera_id) == held
    shown = client.get(f"{CAMERAS}/{camera_id}").json()
    assert (shown["online"], shown["problem_code"]) == (False, "camera.restricted")
    assert "restricted" in shown["problem"]
    # Recordings made before stay readable to the person, as a restriction keeps them.
    timeline = client.get(
        f"{CAMERAS}/{camera_id}/recordings",
        params={"start": "2000-01-01T00:00:00+00:00", "end": "2000-01-02T00:00:00+00:00"},
    )
    assert timeline.status_code == 200
    assert client.delete(f"/api/v1/privacy/limits/{limit_id}").status_code == 200
    recording(recorder, camera_id)
    wait_for(lambda: segment_count(ctx, camera_id) > held)
    wait_for(lambda: live_snapshot(client, camera_id).status_code == 200)


def test_p21_item15_the_limits_page_says_restriction_stops_recording(
    client: TestClient, bound: dict[str, Any]
) -> None:
    page = client.get("/privacy/limits")
    assert page.status_code == 200
    assert "Cameras keep recording" not in page.text
    assert "also stops its recording" in page.text
