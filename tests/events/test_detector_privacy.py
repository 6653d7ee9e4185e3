"""Issue 14 item 8: the person's events in "Download my data" (P17), and event thumbnails
erased with their camera and with the account (P19), bytes checked on disk."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.events import lifecycle
from hearthwatch.events.models import Event
from hearthwatch.events.thumbnails import read_thumbnail, store_thumbnail
from tests.factories import add_camera, build_export, open_export, row_exists
from tests.support.erasure import ask_code, erase_account
from tests.support.smtp import Mailbox

CAMERAS = "/api/v1/cameras"
JPEG = b"\xff\xd8\xff\xe0" + b"a masked picture" * 64 + b"\xff\xd9"


def event_with_thumbnail(ctx: AppContext, owner_id: str, camera_id: str, later_s: int = 0) -> Event:
    """A closed event (`later_s` after the usual one), opened and closed by the lifecycle,
    with a stored thumbnail."""
    start = 1_800_000_000_000_000 + later_s * 1_000_000
    opened = lifecycle.open_event(
        ctx, owner_id=owner_id, camera_id=camera_id, start_us=start,
        at_us=start + 800_000, score=0.04, zones=["path"], pre_roll_s=5,
    )  # fmt: skip
    key = store_thumbnail(ctx.vault, owner_id=owner_id, camera_id=camera_id,
                          event_id=opened.id, jpeg=JPEG)  # fmt: skip
    lifecycle.set_thumbnail(ctx, opened, key)
    opened.last_active_us = start + 6_000_000
    assert lifecycle.close_event(ctx, opened, post_roll_s=10)
    with ctx.db.session() as session:
        event = session.get(Event, opened.id)
        assert event is not None
        session.expunge(event)
        return event


def thumbnail_file(ctx: AppContext, event: Event) -> Path:
    root: Path = ctx.vault.blobs.root  # type: ignore[attr-defined]
    assert event.thumbnail_key is not None
    return root / event.thumbnail_key


@pytest.fixture
def camera_id(client: TestClient, ctx: AppContext, alice: User) -> str:
    camera = add_camera(ctx, alice.id, rtsp_url="rtsp://127.0.0.1/x")
    settings = {"sensitivity": 70, "zones": [{"id": "path", "name": "Path", "points": [
        [0, 0], [1, 0], [1, 1]]}]}  # fmt: skip
    assert client.put(f"{CAMERAS}/{camera}/detection", json=settings).status_code == 200
    return camera


def test_p17_the_persons_events_and_detection_settings_are_in_the_export(
    ctx: AppContext, alice: User, camera_id: str
) -> None:
    event = event_with_thumbnail(ctx, alice.id, camera_id)
    with open_export(ctx, build_export(ctx, alice)) as archive:
        data = json.loads(archive.read("data.json"))
    (row,) = data["tables"]["events"]
    assert row["id"] == event.id and row["camera_id"] == camera_id and row["kind"] == "motion"
    assert (row["start_us"], row["end_us"]) == (1_800_000_000_000_000, 1_800_000_006_000_000)
    assert (row["span_start_us"], row["span_end_us"]) == (
        1_800_000_000_000_000 - 5_000_000,
        1_800_000_006_000_000 + 10_000_000,
    )
    assert row["peak_score"] == 0.04 and json.loads(row["zones"]) == ["path"]
    (settings,) = data["tables"]["camera_detection"]
    assert settings["camera_id"] == camera_id and settings["sensitivity"] == 70
    assert json.loads(settings["zones"])[0]["name"] == "Path"
    described = {(f["table"], f["column"]) for f in data["fields"]}
    assert {("events", "start_us"), ("events", "peak_score"), ("events", "zones")} <= described


def test_p19_removing_a_camera_erases_its_event_thumbnails_from_disk(
    client: TestClient, ctx: AppContext, alice: User, camera_id: str
) -> None:
    event = event_with_thumbnail(ctx, alice.id, camera_id)
    stored = thumbnail_file(ctx, event)
    assert stored.is_file() and JPEG not in stored.read_bytes()  # sealed on disk
    assert read_thumbnail(ctx.vault, event) == JPEG
    assert client.delete(f"{CAMERAS}/{camera_id}").status_code == 204
    assert not stored.exists() and not row_exists(ctx, Event, event.id)
    assert read_thumbnail(ctx.vault, event) is None


def test_p19_account_erasure_erases_event_thumbnails_from_disk(
    client: TestClient, ctx: AppContext, alice: User, mailbox: Mailbox, camera_id: str
) -> None:
    event = event_with_thumbnail(ctx, alice.id, camera_id)
    stored = thumbnail_file(ctx, event)
    assert stored.is_file()
    assert erase_account(client, code=ask_code(client, mailbox, alice.email)).status_code == 200
    assert not stored.exists() and not row_exists(ctx, Event, event.id)
    assert list(ctx.vault.blobs.keys(f"{alice.id}/")) == []


def test_p19_erasing_a_range_of_recordings_erases_its_events_and_their_thumbnails(
    client: TestClient, ctx: AppContext, alice: User, camera_id: str
) -> None:
    inside = event_with_thumbnail(ctx, alice.id, camera_id)
    outside = event_with_thumbnail(ctx, alice.id, camera_id, later_s=3600)
    moment = datetime.fromtimestamp(1_800_000_000, UTC)
    body = {
        "scope": "range",
        "camera_id": camera_id,
        "start": (moment - timedelta(minutes=1)).isoformat(),
        "end": (moment + timedelta(minutes=1)).isoformat(),
    }
    answer = client.post("/api/v1/privacy/erasure", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["payload"]["rows"]["events"] == 1
    assert not row_exists(ctx, Event, inside.id) and not thumbnail_file(ctx, inside).exists()
    assert row_exists(ctx, Event, outside.id) and thumbnail_file(ctx, outside).is_file()
    assert read_thumbnail(ctx.vault, outside) == JPEG
