"""Issue 14 "done", the reading side: motion in the camera simulator, seen by the recorder's
detector, becomes an event with its thumbnail in the event list and a mark on the playback
timeline, and opening it plays the recording from its pre-roll (Debian's Chromium).

Nothing is built by hand here: a simulated camera over real RTSP, bound through the API,
its zone set through the detection API, recorded and analysed by the real recorder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from hearthwatch.accounts.models import User
from hearthwatch.camsim import CameraFleet
from hearthwatch.context import AppContext
from hearthwatch.events.models import Event
from tests.conftest import LiveServer
from tests.media.conftest import wait_for
from tests.support.browser import DESKTOP, MEDIA_ARGS, chromium, sign_in_page, watched_page
from tests.support.motion_cameras import LAWN, motion_fleet, register, running_recorder

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def fleet() -> Iterator[CameraFleet]:
    with motion_fleet(1) as running:
        yield running


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[tuple[Page, list[str]]]:
    browser: Browser
    with chromium(*MEDIA_ARGS) as browser, watched_page(
        browser, screenshot=tmp_path / "hw-last-page.png", timeout_ms=20_000, viewport=DESKTOP,
        timezone_id="UTC",
    ) as watched:  # fmt: skip
        yield watched


def closed_event(ctx: AppContext, camera_id: str) -> Event | None:
    """The first event of the camera that has ended and has its thumbnail."""
    with ctx.db.session() as session:
        found = session.scalars(
            select(Event).where(
                Event.camera_id == camera_id,
                Event.end_us.is_not(None),
                Event.thumbnail_key.is_not(None),
            )
        ).first()
        if found is not None:
            session.expunge(found)
        return found


def test_issue14_simulated_motion_shows_in_the_event_list_and_on_the_timeline(
    client: TestClient,
    ctx: AppContext,
    alice: User,
    fleet: CameraFleet,
    live_server: LiveServer,
    desktop: tuple[Page, list[str]],
) -> None:
    page, errors = desktop
    camera = fleet.cameras[0]
    register(ctx, camera, sub=True)
    body = {"serial": camera.serial, "verification_code": camera.verification_code,
            "name": "Garden"}  # fmt: skip
    camera_id = client.post("/api/v1/cameras/bind", json=body).json()["id"]
    settings = {"min_duration_ms": 400, "quiet_seconds": 2, "pre_roll_s": 3, "post_roll_s": 2,
                "zones": [{"id": "lawn", "name": "Lawn", "points": LAWN}]}  # fmt: skip
    assert client.put(f"/api/v1/cameras/{camera_id}/detection", json=settings).status_code == 200
    with running_recorder(ctx):
        event = wait_for(lambda: closed_event(ctx, camera_id), timeout=45)
        assert event.span_end_us is not None
        span_end = event.span_end_us
        # Until the post-roll is recorded, so the whole span plays.
        wait_for(lambda: datetime.now(UTC).timestamp() * 1e6 > span_end + 3e6, timeout=15)
    listed = client.get("/api/v1/events").json()["items"]
    assert event.id in [item["id"] for item in listed]
    mine = next(item for item in listed if item["id"] == event.id)
    assert mine["zones"] == [{"id": "lawn", "name": "Lawn"}]
    assert mine["clip"]["start_us"] == event.start_us - 3_000_000

    sign_in_page(page, live_server.url, alice.email)
    page.goto(f"{live_server.url}/events")
    card = page.locator(f'[data-event-id="{event.id}"]')
    expect(card).to_contain_text("Garden")
    expect(card).to_contain_text("Lawn")
    expect(card.locator("img")).not_to_have_js_property("naturalWidth", 0)  # it decoded
    card.locator("[data-open-event]").click()
    expect(page.get_by_role("heading", name="Recordings")).to_be_visible()
    pre_roll = datetime.fromtimestamp(event.span_start_us / 1e6, UTC)
    expect(page.locator("[data-clock]")).to_have_text(re.compile(f"^{pre_roll:%H:%M}:[0-5][0-9]$"))
    mark = page.locator(f'.timeline__mark[data-event-id="{event.id}"]')
    mark.hover()
    expect(page.locator("[data-mark-preview] img")).not_to_have_js_property("naturalWidth", 0)
    assert errors == []
