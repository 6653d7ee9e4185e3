"""Binding cameras (P5) and what each camera shows (P7)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hearthwatch.accounts.models import User
from hearthwatch.camsim.camera import SimulatedCamera
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from tests.conftest import sign_in
from tests.media.conftest import bind

CAMERAS = "/api/v1/cameras"


def test_p5_bind_by_serial_and_code(
    client: TestClient, alice: User, registered: list[SimulatedCamera]
) -> None:
    camera = bind(client, registered[0], "Front door")
    assert camera["serial"] == registered[0].serial and camera["name"] == "Front door"
    assert [c["id"] for c in client.get(CAMERAS).json()] == [camera["id"]]


def test_p5_bind_by_qr_payload_and_by_qr_photo(
    client: TestClient, alice: User, registered: list[SimulatedCamera]
) -> None:
    by_text = client.post(f"{CAMERAS}/bind/qr", json={"payload": registered[0].identity.payload()})
    assert by_text.status_code == 201
    photo = registered[1].identity.qr_png()
    by_photo = client.post(f"{CAMERAS}/bind/qr-image", files={"file": ("qr.png", photo)})
    assert by_photo.status_code == 201, by_photo.text
    assert by_photo.json()["serial"] == registered[1].serial


def test_p5_wrong_code_is_refused_and_rate_limited(
    client: TestClient, alice: User, registered: list[SimulatedCamera], ctx: AppContext
) -> None:
    body = {"serial": registered[0].serial, "verification_code": "AAAAAA"}
    if registered[0].identity.verification_code == "AAAAAA":
        body["verification_code"] = "BBBBBB"
    codes = [client.post(f"{CAMERAS}/bind", json=body).json()["error"]["code"] for _ in range(12)]
    assert codes[0] == "camera.code_invalid"
    assert codes[-1] == "camera.rate_limited"


def test_p5_bound_elsewhere_never_says_by_whom(
    app: Any, make_user: Any, registered: list[SimulatedCamera]
) -> None:
    make_user()
    make_user(email="bob@example.org")
    alice, bob = TestClient(app), TestClient(app)
    sign_in(alice, "alice@example.org")
    sign_in(bob, "bob@example.org")
    bind(alice, registered[0])
    body = {
        "serial": registered[0].serial,
        "verification_code": registered[0].identity.verification_code,
    }
    refused = bob.post(f"{CAMERAS}/bind", json=body).json()["error"]
    assert refused["code"] == "camera.bound_elsewhere"
    assert "alice" not in refused["message"].lower() and refused["details"] is None
    again = alice.post(f"{CAMERAS}/bind", json=body).json()["error"]
    assert again["code"] == "camera.already_yours"


@pytest.mark.parametrize(
    "payload",
    [
        "hello",
        "HWCAM1;S=short;V=ABCDEF",
        "HWCAM1;S=ABCDEFGH123;V=abc",
        "HWCAM1;S=ABCDEFGH123;V=ABCDEF;U=http://evil",
    ],
)
def test_p5_malformed_qr_payloads(client: TestClient, alice: User, payload: str) -> None:
    response = client.post(f"{CAMERAS}/bind/qr", json={"payload": payload})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "camera.qr_invalid"


def test_qr_photo_without_a_code(client: TestClient, alice: User) -> None:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(out, format="PNG")
    response = client.post(f"{CAMERAS}/bind/qr-image", files={"file": ("x.png", out.getvalue())})
    assert response.json()["error"]["code"] == "camera.qr_not_found"


def test_bind_by_rtsp_url_stores_credentials_encrypted(
    client: TestClient, alice: User, ctx: AppContext
) -> None:
    body = {"url": "rtsp://admin:s3cret-pw@192.0.2.10:554/stream1", "name": "Garage"}
    body["add_offline"] = True  # nothing answers at 192.0.2.10 (issue 12 item 6)
    camera = client.post(f"{CAMERAS}/bind/rtsp", json=body).json()
    assert camera["name"] == "Garage" and camera["serial"] is None
    with ctx.db.engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT rtsp_url, credentials FROM cameras").one()
    assert b"192.0.2.10" not in bytes(row[0])  # the address is sealed too (P38)
    assert b"s3cret-pw" not in bytes(row[1])
    with ctx.db.session() as db:
        assert db.scalars(select(Camera)).one().rtsp_url == "rtsp://192.0.2.10:554/stream1"


@pytest.mark.parametrize("url", ["http://x/y", "rtsp://", "rtsp://h:99999/x", "rtsp://a b/c"])
def test_bind_by_rtsp_rejects_bad_addresses(client: TestClient, alice: User, url: str) -> None:
    response = client.post(f"{CAMERAS}/bind/rtsp", json={"url": url, "name": "X"})
    assert response.status_code == 422


def test_p7_camera_shows_its_details_and_live_status(
    client: TestClient, bound: dict[str, Any]
) -> None:
    from tests.media.conftest import wait_for

    camera = wait_for(lambda: (c := client.get(f"{CAMERAS}/{bound['id']}").json())["online"] and c)
    assert camera["firmware_version"] == "1.4.2" and camera["model"] == "CamSim 1"
    assert camera["activated_at"] and camera["id"] == bound["id"]
    assert camera["stream"] == {"codec": "h264", "width": 640, "height": 360, "fps": 25.0}


def test_rename_and_settings(client: TestClient, bound: dict[str, Any]) -> None:
    url = f"{CAMERAS}/{bound['id']}"
    changed = client.patch(
        url, json={"name": "Back yard", "retention_days": 7, "recording_mode": "off"}
    ).json()
    assert (changed["name"], changed["retention_days"], changed["recording_mode"]) == (
        "Back yard",
        7,
        "off",
    )
    assert client.patch(url, json={"recording_mode": "sometimes"}).status_code == 422


def test_other_users_cannot_see_or_touch_a_camera(
    app: Any, bound: dict[str, Any], make_user: Any
) -> None:
    make_user(email="mallory@example.org")
    mallory = TestClient(app)
    sign_in(mallory, "mallory@example.org")
    url = f"{CAMERAS}/{bound['id']}"
    for response in (
        mallory.get(url),
        mallory.patch(url, json={"name": "mine"}),
        mallory.delete(url),
        mallory.post(f"{url}/media-token", json={"scope": "live"}),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "camera.not_found"
    assert mallory.get(CAMERAS).json() == []
