"""The camera pages through their HTML forms: adding (P5), watching, settings (P14), removing."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from hearthwatch.accounts.models import User
from hearthwatch.camsim.camera import SimulatedCamera
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.media.recorder import Recorder
from tests.media.conftest import wait_for
from tests.media.test_recording import segment_count
from tests.web.conftest import PageStructure, csrf_of, submit, web_sign_in

CAMERA_PAGE = re.compile(r"^/cameras/([0-9a-f]{32})\?done=camera_added$")
CSRF_REFUSED = "The form expired or came from another site"


def add_by_rtsp(client: TestClient, name: str = "Garage") -> str:
    """Add a camera by address (no registry needed) and return its id."""
    fields = {"url": "rtsp://192.0.2.10:554/stream1", "name": name, "add_offline": "true"}
    response = submit(client, "/cameras/add/rtsp", fields, page="/cameras/add")
    return added_id(response)


def added_id(response: Any) -> str:
    assert response.status_code == 303, response.text
    found = CAMERA_PAGE.match(response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


def stored(ctx: AppContext, camera_id: str) -> Camera | None:
    with ctx.db.session() as session:
        camera = session.get(Camera, camera_id)
        if camera is not None:
            session.expunge(camera)
        return camera


def camera_pages(camera_id: str) -> list[str]:
    base = f"/cameras/{camera_id}"
    return [base, f"{base}/playback", f"{base}/settings", f"{base}/remove"]


def _white_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(out, format="PNG")
    return out.getvalue()


# --- adding a camera (P5) ------------------------------------------------------------------


def test_p5_add_by_uploading_a_photo_of_the_qr_code(
    client: TestClient, web_alice: User, registered: list[SimulatedCamera]
) -> None:
    photo = {"qr_image": ("label.png", registered[0].identity.qr_png(), "image/png")}
    response = submit(client, "/cameras/add/photo", files=photo, page="/cameras/add")
    camera_id = added_id(response)
    page = client.get(response.headers["location"]).text
    assert "The camera was added." in page
    assert registered[0].serial in page
    assert f'data-camera-id="{camera_id}"' in page


def test_p5_add_by_scanned_qr_text(
    client: TestClient, web_alice: User, registered: list[SimulatedCamera]
) -> None:
    fields = {"payload": registered[1].identity.payload()}
    camera_id = added_id(submit(client, "/cameras/add/scan", fields, page="/cameras/add"))
    assert registered[1].serial in client.get(f"/cameras/{camera_id}").text


def test_p5_add_by_serial_and_verification_code(
    client: TestClient, ctx: AppContext, web_alice: User, registered: list[SimulatedCamera]
) -> None:
    identity = registered[2].identity
    fields = {
        "serial": identity.serial.lower(),
        "verification_code": " ".join(identity.verification_code),
        "name": "Front door",
    }
    camera_id = added_id(submit(client, "/cameras/add/code", fields, page="/cameras/add"))
    camera = stored(ctx, camera_id)
    assert camera is not None
    assert (camera.name, camera.serial, camera.owner_id) == (
        "Front door",
        identity.serial,
        web_alice.id,
    )


def test_add_by_rtsp_address_keeps_the_password_out_of_the_page(
    client: TestClient, ctx: AppContext, web_alice: User
) -> None:
    fields = {
        "url": "rtsp://192.0.2.10:554/stream1",
        "username": "admin",
        "password": "s3cret-pw",
        "name": "Garage",
        "add_offline": "true",  # nothing answers there (issue 12 item 6)
    }
    camera_id = added_id(submit(client, "/cameras/add/rtsp", fields, page="/cameras/add"))
    camera = stored(ctx, camera_id)
    assert camera is not None and camera.rtsp_url == "rtsp://192.0.2.10:554/stream1"
    for path in camera_pages(camera_id):
        assert "s3cret-pw" not in client.get(path).text


@pytest.mark.parametrize(
    ("route", "fields", "code_message", "field_id"),
    [
        ("scan", {"payload": "hello"}, "not a Hearthwatch camera code", "scan-payload"),
        ("scan", {"payload": ""}, "Scan the code again", "scan-payload"),
        (
            "code",
            {"serial": "ABCDEFGH123", "verification_code": "QQQQQQ"},
            "is wrong",
            "code-verification_code",
        ),
        ("code", {"serial": "x", "verification_code": "ABC"}, "8 to 32 letters", "code-serial"),
        ("rtsp", {"url": "http://192.0.2.1/x", "name": "X"}, "valid rtsp://", "rtsp-url"),
        ("rtsp", {"url": "rtsp://192.0.2.1/x", "name": ""}, "Give the camera a name", "rtsp-name"),
    ],
)
def test_add_problems_are_shown_next_to_their_field(
    client: TestClient,
    web_alice: User,
    route: str,
    fields: dict[str, str],
    code_message: str,
    field_id: str,
) -> None:
    response = submit(client, f"/cameras/add/{route}", fields, page="/cameras/add")
    assert response.status_code == 422
    assert code_message in response.text
    inputs = {a["id"]: a for a in PageStructure(response.text).all("input") if a.get("id")}
    assert inputs[field_id]["aria-invalid"] == "true"
    assert f'id="{field_id}-error"' in response.text
    assert f'data-active="{route}"' in response.text


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (("blank.png", _white_png(), "image/png"), "No QR code was found in the picture."),
        (("notes.txt", b"just words", "text/plain"), "not a picture we can read"),
        (None, "Choose a photo of the QR code."),
    ],
)
def test_qr_photo_problems_are_explained(
    client: TestClient, web_alice: User, upload: tuple[str, bytes, str] | None, message: str
) -> None:
    files = {"qr_image": upload} if upload else None
    response = submit(client, "/cameras/add/photo", files=files, page="/cameras/add")
    assert response.status_code == 422
    assert message in response.text
    assert 'id="photo-qr_image-error"' in response.text


def test_p5_a_camera_cannot_be_added_twice_nor_taken_from_its_owner(
    client: TestClient,
    app: Any,
    make_user: Any,
    web_alice: User,
    registered: list[SimulatedCamera],
) -> None:
    fields = {"payload": registered[0].identity.payload()}
    added_id(submit(client, "/cameras/add/scan", fields, page="/cameras/add"))
    again = submit(client, "/cameras/add/scan", fields, page="/cameras/add")
    assert again.status_code == 409 and "already in your account" in again.text

    make_user(email="bob@example.org")
    bob = TestClient(app)
    web_sign_in(bob, "bob@example.org")
    refused = submit(bob, "/cameras/add/scan", fields, page="/cameras/add")
    assert refused.status_code == 409
    assert "bound to another account" in refused.text
    assert "alice" not in refused.text.lower()


def test_p5_guessing_codes_is_rate_limited(
    client: TestClient, web_alice: User, registered: list[SimulatedCamera]
) -> None:
    wrong = "BBBBBB" if registered[0].identity.verification_code == "AAAAAA" else "AAAAAA"
    fields = {"serial": registered[0].serial, "verification_code": wrong}
    statuses = [
        submit(client, "/cameras/add/code", fields, page="/cameras/add").status_code
        for _ in range(12)
    ]
    assert statuses[0] == 422 and statuses[-1] == 429
    last = submit(client, "/cameras/add/code", fields, page="/cameras/add")
    assert "Too many attempts" in last.text


# --- who sees which page -------------------------------------------------------------------


def test_camera_pages_render_for_the_owner(client: TestClient, web_alice: User) -> None:
    camera_id = add_by_rtsp(client, "Garage")
    home = client.get("/").text
    assert "No devices yet" not in home
    assert f'href="/cameras/{camera_id}"' in home and "Garage" in home
    assert "data-live-player" in home
    for path in [*camera_pages(camera_id), "/cameras/add"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store"
        html = response.text
        page = PageStructure(html)
        labelled = {attrs["for"] for attrs in page.all("label")}
        for control in page.controls():
            assert control.get("id") in labelled, f"{path}: unlabelled {control}"
        assert len(page.ids()) == len(set(page.ids())), f"{path}: duplicate ids"
        assert (page.inline_scripts, page.style_blocks, page.styled()) == (0, 0, []), path
        assert 'href="#content"' in html


def test_p7_camera_page_shows_the_device_details(
    client: TestClient, web_alice: User, registered: list[SimulatedCamera]
) -> None:
    fields = {"payload": registered[0].identity.payload()}
    camera_id = added_id(submit(client, "/cameras/add/scan", fields, page="/cameras/add"))
    page = client.get(f"/cameras/{camera_id}").text
    for shown in (camera_id, registered[0].serial, "1.4.2", "CamSim 1", "Offline", "Added"):
        assert shown in page
    assert '<meta name="csrf-token" content="' in page
    assert f'href="/cameras/{camera_id}/playback"' in page
    assert f'href="/cameras/{camera_id}/settings"' in page


def test_the_page_token_lets_scripts_ask_for_media_tokens(
    client: TestClient, web_alice: User
) -> None:
    camera_id = add_by_rtsp(client)
    meta = re.search(
        r'name="csrf-token" content="([^"]+)"', client.get(f"/cameras/{camera_id}").text
    )
    assert meta is not None
    url = f"/api/v1/cameras/{camera_id}/media-token"
    refused = client.post(url, json={"scope": "live"})
    assert refused.status_code == 403
    granted = client.post(url, json={"scope": "live"}, headers={"x-csrf-token": meta.group(1)})
    assert granted.status_code == 200 and granted.json()["token"]


def test_other_people_get_not_found_for_every_camera_page(
    client: TestClient, app: Any, ctx: AppContext, make_user: Any, web_alice: User
) -> None:
    camera_id = add_by_rtsp(client)
    make_user(email="mallory@example.org")
    mallory = TestClient(app)
    web_sign_in(mallory, "mallory@example.org")
    for path in [*camera_pages(camera_id), "/cameras/" + "0" * 32, "/cameras/nonsense"]:
        response = mallory.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in response.text
    token = csrf_of(mallory.get("/").text)
    for path, fields in (
        (f"/cameras/{camera_id}/settings", {"name": "Mine now", "recording_mode": "off"}),
        (f"/cameras/{camera_id}/remove", {}),
    ):
        response = mallory.post(path, data={"csrf_token": token, **fields})
        assert response.status_code == 404
    camera = stored(ctx, camera_id)
    assert camera is not None and camera.name == "Garage"
    assert "Garage" not in mallory.get("/").text


@pytest.mark.parametrize("path", ["/cameras/add", "/cameras/" + "a" * 32 + "/playback"])
def test_visitors_are_sent_to_sign_in_and_back(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin?next=%2Fcameras%2F")


def test_many_cameras_show_refreshed_stills_instead_of_live_video(
    client: TestClient, web_alice: User
) -> None:
    for number in range(5):
        add_by_rtsp(client, f"Camera {number}")
    home = client.get("/").text
    assert home.count("data-live-still") == 5
    assert "data-live-player" not in home
    assert "5 cameras · 0 online" in home


@pytest.mark.parametrize(
    ("day", "shown", "given"),
    [
        ("2024-03-09", "2024-03-09", "true"),
        ("not-a-day", None, "false"),
        ("1999-12-31", None, "false"),
    ],
)
def test_playback_day_is_taken_from_the_address(
    client: TestClient, web_alice: User, day: str, shown: str | None, given: str
) -> None:
    camera_id = add_by_rtsp(client)
    page = client.get(f"/cameras/{camera_id}/playback", params={"day": day}).text
    assert f'data-day-given="{given}"' in page
    if shown:
        assert f'data-day="{shown}"' in page
        assert "?day=2024-03-08" in page and "?day=2024-03-10" in page


# --- settings (P14) and removing -----------------------------------------------------------


def test_settings_are_saved_and_shown_again(
    client: TestClient, ctx: AppContext, web_alice: User
) -> None:
    camera_id = add_by_rtsp(client)
    path = f"/cameras/{camera_id}/settings"
    fields = {
        "name": "Back yard",
        "recording_mode": "off",
        "retention_days": "14",
        "retention_gb": "2,5",
    }
    response = submit(client, path, fields)
    assert response.headers["location"] == f"{path}?done=camera_saved"
    camera = stored(ctx, camera_id)
    assert camera is not None
    assert (camera.name, camera.recording_mode, camera.retention_days, camera.retention_bytes) == (
        "Back yard",
        "off",
        14,
        2_500_000_000,
    )
    page = client.get(f"{path}?done=camera_saved").text
    assert "The camera settings are saved." in page
    assert 'value="2.5"' in page and 'value="14"' in page
    assert 'id="recording-off" name="recording_mode" value="off" checked' in page

    submit(client, path, {"name": "Back yard", "recording_mode": "continuous"})
    camera = stored(ctx, camera_id)
    assert camera is not None
    assert (camera.recording_mode, camera.retention_days, camera.retention_bytes) == (
        "continuous",
        None,
        None,
    )


@pytest.mark.parametrize(
    ("fields", "field_id"),
    [
        ({"name": "", "recording_mode": "off"}, "name"),
        ({"name": "Yard", "recording_mode": "sometimes"}, "recording_mode"),
        ({"name": "Yard", "recording_mode": "off", "retention_days": "0"}, "retention_days"),
        ({"name": "Yard", "recording_mode": "off", "retention_days": "1.5"}, "retention_days"),
        ({"name": "Yard", "recording_mode": "off", "retention_gb": "lots"}, "retention_gb"),
        ({"name": "Yard", "recording_mode": "off", "retention_gb": "0.01"}, "retention_gb"),
    ],
)
def test_bad_settings_are_refused_inline_and_change_nothing(
    client: TestClient, ctx: AppContext, web_alice: User, fields: dict[str, str], field_id: str
) -> None:
    camera_id = add_by_rtsp(client)
    response = submit(client, f"/cameras/{camera_id}/settings", fields)
    assert response.status_code == 422
    assert f'href="#{field_id}"' in response.text
    camera = stored(ctx, camera_id)
    assert camera is not None and (camera.name, camera.recording_mode) == ("Garage", "continuous")


@pytest.mark.parametrize("route", ["settings", "remove"])
def test_camera_forms_refuse_a_wrong_csrf_token(
    client: TestClient, ctx: AppContext, web_alice: User, route: str
) -> None:
    camera_id = add_by_rtsp(client)
    data = {"csrf_token": "forged", "name": "Hijacked", "recording_mode": "off"}
    response = client.post(f"/cameras/{camera_id}/{route}", data=data)
    assert response.status_code == 403 and CSRF_REFUSED in response.text
    camera = stored(ctx, camera_id)
    assert camera is not None and (camera.name, camera.recording_mode) == ("Garage", "continuous")


def test_removing_a_camera_asks_first_then_erases_its_recordings(
    client: TestClient,
    ctx: AppContext,
    web_alice: User,
    registered: list[SimulatedCamera],
    recorder: Recorder,
) -> None:
    fields = {"payload": registered[0].identity.payload()}
    camera_id = added_id(submit(client, "/cameras/add/scan", fields, page="/cameras/add"))
    recorder.sync()
    wait_for(lambda: segment_count(ctx, camera_id) >= 1)

    confirm = client.get(f"/cameras/{camera_id}/remove").text
    assert "erased <strong>at once</strong>" in confirm
    assert stored(ctx, camera_id) is not None  # showing the question changed nothing

    response = submit(client, f"/cameras/{camera_id}/remove")
    assert response.headers["location"] == "/?done=camera_removed"
    assert stored(ctx, camera_id) is None
    assert segment_count(ctx, camera_id) == 0
    with ctx.db.session() as session:
        assert session.scalars(select(Camera)).first() is None
    home = client.get("/?done=camera_removed").text
    assert "The camera was removed and its recordings were erased." in home
    assert "No devices yet" in home
    assert client.get(f"/cameras/{camera_id}").status_code == 404
