"""The HTTP control API of a running fleet: list cameras, inject faults, reject bad input."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hearthwatch.camsim.faults import FAULT_KINDS
from hearthwatch.camsim.fleet import CameraFleet
from hearthwatch.protocols.qr_label import parse_label
from tests.camsim.conftest import StartFleet


@pytest.fixture
def fleet(start_fleet: StartFleet) -> CameraFleet:
    return start_fleet(cameras=2, control_port=0)


@pytest.fixture
def api(fleet: CameraFleet) -> str:
    assert fleet.control_url is not None
    return fleet.control_url


def faults_url(api: str, fleet: CameraFleet) -> str:
    return f"{api}/cameras/{fleet.cameras[0].serial}/faults"


def test_lists_every_camera_with_its_urls_and_payload(fleet: CameraFleet, api: str) -> None:
    body = httpx.get(f"{api}/cameras").json()
    assert [c["serial"] for c in body] == [c.serial for c in fleet.cameras]
    first = body[0]
    assert first["urls"]["main"] == fleet.cameras[0].main_url
    assert first["urls"]["sub"].endswith("/sub")
    assert first["online"] is True
    identity = parse_label(first["payload"])
    assert (identity.serial, identity.verification_code) == (
        first["serial"],
        first["verification_code"],
    )


def test_shows_one_camera_and_the_fault_kinds(fleet: CameraFleet, api: str) -> None:
    serial = fleet.cameras[1].serial
    assert httpx.get(f"{api}/cameras/{serial}").json()["serial"] == serial
    assert [k["kind"] for k in httpx.get(f"{api}/faults").json()] == list(FAULT_KINDS)


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "reboot", "seconds": 0.5},
        {"kind": "reboot"},
        {"kind": "drop"},
        {"kind": "stall", "seconds": 0.2},
        {"kind": "drift", "ppm": -30.5},
        {"kind": "jump_clock", "seconds": -3600},
        {"kind": "jump_timestamps", "seconds": 2},
    ],
)
def test_applies_each_kind_of_fault(fleet: CameraFleet, api: str, fault: dict[str, Any]) -> None:
    response = httpx.post(faults_url(api, fleet), json=fault)
    assert response.status_code == 200, response.text
    applied = response.json()["applied"]
    assert applied["kind"] == fault["kind"]
    assert {k: v for k, v in fault.items() if k != "kind"}.items() <= applied.items()
    assert response.json()["camera"]["online"] is (fault["kind"] != "reboot")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"kind": "explode"}, "one of"),
        ({"seconds": 3}, "one of"),
        ({"kind": ["stall"]}, "one of"),
        ({"kind": "stall"}, "needs 'seconds'"),
        ({"kind": "stall", "seconds": -1}, "between"),
        ({"kind": "stall", "seconds": 7200}, "between"),
        ({"kind": "stall", "seconds": "3"}, "number"),
        ({"kind": "stall", "seconds": True}, "number"),
        ({"kind": "drift", "ppm": 2_000_000}, "between"),
        ({"kind": "drift"}, "needs 'ppm'"),
        ({"kind": "drift", "ppm": 5, "seconds": 3}, "takes no"),
        ({"kind": "drop", "seconds": 3}, "takes no"),
        ([{"kind": "drop"}], "JSON object"),
        ("drop", "JSON object"),
    ],
)
def test_rejects_bad_faults_with_a_json_error(
    fleet: CameraFleet, api: str, body: Any, reason: str
) -> None:
    response = httpx.post(faults_url(api, fleet), json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "camsim.fault_invalid"
    assert reason in error["message"]


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b"{not json", 400, "request.malformed"),
        (b'{"kind": "stall", "seconds": NaN}', 422, "camsim.fault_invalid"),
        (b"x" * 70_000, 413, "request.too_large"),
    ],
)
def test_rejects_unreadable_bodies(
    fleet: CameraFleet, api: str, content: bytes, status: int, code: str
) -> None:
    response = httpx.post(faults_url(api, fleet), content=content)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("POST", "/cameras/HWCNOSUCHCAM1/faults", 404, "camsim.camera_not_found"),
        ("GET", "/cameras/HWCNOSUCHCAM1", 404, "camsim.camera_not_found"),
        ("GET", "/nowhere", 404, "camsim.not_found"),
        ("GET", "/cameras/{serial}/faults", 405, "request.method_not_allowed"),
        ("POST", "/cameras", 405, "request.method_not_allowed"),
        ("DELETE", "/cameras/{serial}", 405, "request.method_not_allowed"),
    ],
)
def test_unknown_cameras_paths_and_methods(
    fleet: CameraFleet, api: str, method: str, path: str, status: int, code: str
) -> None:
    url = api + path.format(serial=fleet.cameras[0].serial)
    response = httpx.request(method, url, json={"kind": "drop"})
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_python_api_rejects_the_same_bad_input(fleet: CameraFleet) -> None:
    from hearthwatch.errors import NotFound, ValidationFailed

    with pytest.raises(ValidationFailed):
        fleet.stall(fleet.cameras[0].serial, -1)
    with pytest.raises(NotFound):
        fleet.drop_connections("HWCNOSUCHCAM1")


def test_issue12_item3_audio_is_switched_per_camera(fleet: CameraFleet, api: str) -> None:
    first, second = fleet.cameras
    url = f"{api}/cameras/{second.serial}/audio"
    reply = httpx.put(url, json={"enabled": False})
    assert reply.status_code == 200 and reply.json()["audio"] is False
    listed = {c["serial"]: c["audio"] for c in httpx.get(f"{api}/cameras").json()}
    assert listed == {first.serial: True, second.serial: False}
    assert httpx.put(url, json={"enabled": True}).json()["audio"] is True


@pytest.mark.parametrize("body", [{}, {"enabled": "no"}, [True]])
def test_issue12_item3_audio_switch_refuses_a_bad_body(
    fleet: CameraFleet, api: str, body: Any
) -> None:
    url = f"{api}/cameras/{fleet.cameras[0].serial}/audio"
    reply = httpx.put(url, json=body)
    assert reply.status_code == 422
    assert reply.json()["error"]["code"] == "camsim.audio_invalid"
    assert httpx.post(url, json={"enabled": False}).status_code == 405
