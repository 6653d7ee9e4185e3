"""Issue 14 item 1: each camera's detection settings (zones, masks, sensitivity, minimum
duration, quiet period, pre- and post-roll) through GET and PUT /detection, checked with
stable `detection.*` codes, and the privacy-mode switch."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from tests.conftest import sign_in
from tests.factories import add_camera

CAMERAS = "/api/v1/cameras"
SQUARE = [[0.1, 0.1], [0.4, 0.1], [0.4, 0.4], [0.1, 0.4]]


@pytest.fixture
def camera_id(ctx: AppContext, alice: User) -> str:
    return add_camera(ctx, alice.id, rtsp_url="rtsp://127.0.0.1/x")


def test_defaults_until_changed(client: TestClient, camera_id: str) -> None:
    got = client.get(f"{CAMERAS}/{camera_id}/detection")
    assert got.status_code == 200, got.text
    assert got.json() == {
        "enabled": True,
        "sensitivity": 60,
        "min_duration_ms": 400,
        "quiet_seconds": 8,
        "pre_roll_s": 5,
        "post_roll_s": 10,
        "zones": [],
        "masks": [],
        "privacy_mode": False,
    }


def test_a_change_is_stored_and_fields_left_out_kept(
    client: TestClient, ctx: AppContext, camera_id: str
) -> None:
    body = {
        "sensitivity": 80,
        "quiet_seconds": 20,
        "zones": [{"id": "path", "name": "Garden path", "points": SQUARE}],
        "masks": [[[0.5, 0.5], [1, 0.5], [1, 1]]],
    }
    changed = client.put(f"{CAMERAS}/{camera_id}/detection", json=body)
    assert changed.status_code == 200, changed.text
    again = client.put(f"{CAMERAS}/{camera_id}/detection", json={"enabled": False}).json()
    assert again["sensitivity"] == 80 and again["quiet_seconds"] == 20
    assert again["enabled"] is False and again["min_duration_ms"] == 400
    assert again["zones"] == [{"id": "path", "name": "Garden path", "points": SQUARE}]
    assert again["masks"] == [[[0.5, 0.5], [1.0, 0.5], [1.0, 1.0]]]
    assert client.get(f"{CAMERAS}/{camera_id}/detection").json() == again
    with ctx.db.session() as session:
        camera = session.get(Camera, camera_id)
        assert camera is not None and "0.5" in camera.privacy_masks  # masks live on the camera


def _zone(**changes: Any) -> dict[str, Any]:
    return {"id": "z1", "name": "Zone", "points": SQUARE, **changes}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"sensitivity": 0}, "detection.sensitivity_invalid"),
        ({"sensitivity": 101}, "detection.sensitivity_invalid"),
        ({"min_duration_ms": 60_001}, "detection.min_duration_invalid"),
        ({"quiet_seconds": 1}, "detection.quiet_seconds_invalid"),
        ({"pre_roll_s": 31}, "detection.pre_roll_invalid"),
        ({"post_roll_s": 121}, "detection.post_roll_invalid"),
        ({"zones": [_zone(id=f"z{i}") for i in range(17)]}, "detection.too_many_zones"),
        ({"zones": [_zone(id="Big Zone")]}, "detection.zone_id_invalid"),
        ({"zones": [_zone(), _zone(name="Other")]}, "detection.zone_id_duplicate"),
        ({"zones": [_zone(name="")]}, "detection.zone_name_invalid"),
        ({"zones": [_zone(name="x" * 41)]}, "detection.zone_name_invalid"),
        ({"zones": [_zone(points=SQUARE[:2])]}, "detection.polygon_invalid"),
        ({"zones": [_zone(points=[[0, 0], [1.5, 0], [1, 1]])]}, "detection.polygon_invalid"),
        ({"masks": [[[0, 0], [1, 0], [1, 1]]] * 17}, "detection.too_many_masks"),
        ({"masks": [[[0, 0]] * 33]}, "detection.polygon_invalid"),
        ({"masks": [[[0, 0], [1, 0], [1, -0.1]]]}, "detection.polygon_invalid"),
        ({"masks": [[[0, 0], [1, 0], [1]]]}, "detection.polygon_invalid"),
    ],
)
def test_bad_settings_are_refused_with_a_stable_code(
    client: TestClient, camera_id: str, body: dict[str, Any], code: str
) -> None:
    refused = client.put(f"{CAMERAS}/{camera_id}/detection", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == code
    assert client.get(f"{CAMERAS}/{camera_id}/detection").json()["sensitivity"] == 60


def test_strangers_get_the_same_404_as_for_a_missing_camera(
    client: TestClient, app: Any, make_user: Any, camera_id: str
) -> None:
    make_user(email="bob@example.org")
    bob = TestClient(app)
    sign_in(bob, "bob@example.org")
    for method, path, body in (
        ("GET", "detection", None),
        ("PUT", "detection", {"sensitivity": 10}),
        ("PUT", "privacy-mode", {"on": True}),
    ):
        answer = bob.request(method, f"{CAMERAS}/{camera_id}/{path}", json=body)
        missing = bob.request(method, f"{CAMERAS}/{'0' * 32}/{path}", json=body)
        assert answer.status_code == missing.status_code == 404
        assert answer.json()["error"]["code"] == missing.json()["error"]["code"]
    assert client.get(f"{CAMERAS}/{camera_id}/detection").json()["sensitivity"] == 60


def test_privacy_mode_switch(client: TestClient, camera_id: str) -> None:
    on = client.put(f"{CAMERAS}/{camera_id}/privacy-mode", json={"on": True})
    assert on.status_code == 200 and on.json() == {"on": True}
    assert client.get(f"{CAMERAS}/{camera_id}/detection").json()["privacy_mode"] is True
    assert client.get(f"{CAMERAS}/{camera_id}").json()["privacy_mode"] is True
    off = client.patch(f"{CAMERAS}/{camera_id}", json={"privacy_mode": False})
    assert off.status_code == 200 and off.json()["privacy_mode"] is False
