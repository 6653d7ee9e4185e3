"""Issue 14 "done": a browser that turned push on gets alerts. Motion in the camera
simulator, seen by the recorder's detector, reaches the local push service, which decrypts
it; the picture link in it answers the masked picture; the mail carries the picture."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.camsim import CameraFleet
from hearthwatch.context import AppContext
from hearthwatch.events.models import Event
from hearthwatch.notify.dispatch import Dispatcher
from tests.conftest import LiveServer
from tests.notify.conftest import history, wait_until
from tests.support.motion_cameras import LAWN, motion_fleet, register, running_recorder
from tests.support.push_endpoint import LocalSubscription, PushEndpoint
from tests.support.smtp import Mailbox


@pytest.fixture(scope="module")
def fleet() -> Iterator[CameraFleet]:
    with motion_fleet(1) as running:
        yield running


def test_issue14_motion_in_the_simulator_reaches_a_browser_with_push_on(
    client: TestClient, ctx: AppContext, alice: User, fleet: CameraFleet, mailbox: Mailbox,
    browser_push: LocalSubscription, push_service: PushEndpoint, dispatcher: Dispatcher,
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(ctx.settings, "public_url", live_server.url)  # links point at it
    camera = fleet.cameras[0]
    register(ctx, camera, sub=True)
    body = {"serial": camera.serial, "verification_code": camera.verification_code,
            "name": "Garden"}  # fmt: skip
    camera_id = client.post("/api/v1/cameras/bind", json=body).json()["id"]
    zones = {"min_duration_ms": 400, "zones": [{"id": "lawn", "name": "Lawn", "points": LAWN}]}
    assert client.put(f"/api/v1/cameras/{camera_id}/detection", json=zones).status_code == 200
    with running_recorder(ctx):
        push = push_service.wait_for(browser_push, timeout=40)
        alert = push.json()
        with ctx.db.session() as db:
            event = db.get(Event, alert["event_id"])
            assert event is not None
            onset_s = event.start_us / 1_000_000
        assert (alert["camera_id"], alert["title"]) == (camera_id, "Motion: Garden")
        picture = wait_until(lambda: _fetched(alert["image"]), timeout=15)
        assert picture[:2] == b"\xff\xd8"  # the masked thumbnail, as a JPEG
        (mail,) = wait_until(lambda: mailbox.to(alice.email), timeout=15)
    # From the frame that started the motion to the push decrypted (figure: p50 < 1 s).
    latency = push.at - onset_s
    print(f"alert latency from motion onset: {latency * 1000:.0f} ms")
    assert 0 < latency < 3.0
    assert [p.get_content_type() for p in mail.iter_attachments()] == ["image/jpeg"]
    statuses = {d["channel"]: d["status"] for d in history(client)[-1]["deliveries"]}
    assert statuses == {"push": "sent", "email": "sent"}


def _fetched(url: str) -> bytes | None:
    """The picture behind an alert's link, fetched as the notification would (no cookie)."""
    answer = httpx.get(url, timeout=5)
    return answer.content if answer.status_code == 200 else None
