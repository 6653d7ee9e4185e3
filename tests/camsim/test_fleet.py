"""The fleet: stable identities across restarts, credentials, URLs, start and stop."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from hearthwatch.camsim.fleet import CameraFleet, FleetConfig
from hearthwatch.camsim.fleet_state import (
    CameraRecord,
    CredentialPolicy,
    FleetStateError,
    plan_cameras,
    save_records,
)
from hearthwatch.protocols.qr_label import parse_label
from tests.camsim.conftest import StartFleet

OPEN = CredentialPolicy()


def test_same_seed_same_cameras_other_seed_other_cameras() -> None:
    first = plan_cameras(3, seed=1, state_file=None, policy=OPEN)
    assert first == plan_cameras(3, seed=1, state_file=None, policy=OPEN)
    assert first[:2] == plan_cameras(2, seed=1, state_file=None, policy=OPEN)
    assert {r.serial for r in first}.isdisjoint(
        r.serial for r in plan_cameras(3, seed=2, state_file=None, policy=OPEN)
    )
    assert len({r.serial for r in plan_cameras(5, seed=None, state_file=None, policy=OPEN)}) == 5


def test_state_file_keeps_cameras_across_restarts_and_grows(tmp_path: Path) -> None:
    state = tmp_path / "camsim.json"
    first = plan_cameras(2, seed=None, state_file=state, policy=OPEN)
    assert plan_cameras(2, seed=None, state_file=state, policy=OPEN) == first
    grown = plan_cameras(3, seed=None, state_file=state, policy=OPEN)
    assert grown[:2] == first and len(grown) == 3
    assert plan_cameras(1, seed=None, state_file=state, policy=OPEN) == first[:1]
    assert len(json.loads(state.read_text())["cameras"]) == 3
    assert stat.S_IMODE(state.stat().st_mode) == 0o600


def test_credentials_per_camera_come_from_the_state_file(tmp_path: Path) -> None:
    state = tmp_path / "camsim.json"
    records = plan_cameras(2, seed=3, state_file=None, policy=OPEN)
    locked = CameraRecord(records[1].name, records[1].serial, "ABCDEF", "admin", "pw")
    save_records(state, [records[0], locked])
    planned = plan_cameras(2, seed=None, state_file=state, policy=OPEN)
    assert (planned[0].username, planned[1].username, planned[1].password) == (None, "admin", "pw")
    shared = plan_cameras(2, seed=None, state_file=state, policy=CredentialPolicy("u", "p"))
    assert {(r.username, r.password) for r in shared} == {("u", "p")}


def test_unique_passwords_are_kept_once_made(tmp_path: Path) -> None:
    state, policy = tmp_path / "camsim.json", CredentialPolicy(unique_passwords=True)
    first = plan_cameras(2, seed=None, state_file=state, policy=policy)
    assert first == plan_cameras(2, seed=None, state_file=state, policy=policy)
    assert first[0].password != first[1].password


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"cameras": {}}',
        '{"cameras": [{"name": "x"}]}',
        '{"cameras": [{"name": "x", "serial": "bad", "verification_code": "ABCDEF"}]}',
        '{"cameras": [{"name": "x", "serial": "HWC123456789", "verification_code": "abc"}]}',
        '{"cameras": [{"name": 5, "serial": "HWC123456789", "verification_code": "ABCDEF"}]}',
        '{"cameras": [{"name": "a", "serial": "HWC123456789", "verification_code": "ABCDEF"},'
        ' {"name": "b", "serial": "HWC123456789", "verification_code": "ABCDEF"}]}',
    ],
)
def test_a_broken_state_file_is_refused_with_its_name(tmp_path: Path, content: str) -> None:
    state = tmp_path / "camsim.json"
    state.write_text(content)
    with pytest.raises(FleetStateError, match=r"camsim\.json"):
        plan_cameras(1, seed=None, state_file=state, policy=OPEN)


def test_fleet_restarted_on_a_state_file_shows_the_same_cameras(
    start_fleet: StartFleet, tmp_path: Path
) -> None:
    state = tmp_path / "camsim.json"
    first = start_fleet(cameras=2, seed=None, state_file=state)
    serials = [(c.serial, c.verification_code) for c in first.cameras]
    first.stop()
    again = start_fleet(cameras=2, seed=None, state_file=state)
    assert [(c.serial, c.verification_code) for c in again.cameras] == serials


def test_camera_info_carries_urls_payload_and_credentials(start_fleet: StartFleet) -> None:
    fleet = start_fleet(cameras=1, credentials=CredentialPolicy("ad min", "p@ss:word"))
    camera = fleet.cameras[0]
    assert camera.main_url == f"rtsp://127.0.0.1:{fleet.rtsp_port}/{camera.serial}/main"
    assert camera.url("sub") == camera.sub_url
    assert camera.url(with_credentials=True).startswith("rtsp://ad%20min:p%40ss%3Aword@127.0.0.1:")
    assert parse_label(camera.payload).rtsp_url == camera.main_url
    assert fleet.camera(camera.serial) == camera


def test_advertised_host_goes_into_urls_and_wildcards_become_loopback() -> None:
    with CameraFleet(FleetConfig(port=0, scene_seconds=4, advertise_host="192.0.2.7")) as fleet:
        assert fleet.cameras[0].main_url.startswith("rtsp://192.0.2.7:")
    with CameraFleet(FleetConfig(port=0, scene_seconds=4, advertise_host="0.0.0.0")) as fleet:
        assert fleet.cameras[0].main_url.startswith("rtsp://127.0.0.1:")


def test_a_busy_port_fails_start_and_leaves_nothing_running(shared_fleet: CameraFleet) -> None:
    fleet = CameraFleet(FleetConfig(port=shared_fleet.rtsp_port, scene_seconds=4))
    with pytest.raises(OSError):
        fleet.start()
    fleet.stop()
    with pytest.raises(RuntimeError), CameraFleet(FleetConfig(port=0, scene_seconds=4)) as running:
        running.start()


def test_the_package_exports_the_fleet_but_identity_stays_light() -> None:
    import subprocess
    import sys

    import hearthwatch.camsim as camsim

    assert camsim.CameraFleet is CameraFleet
    with pytest.raises(AttributeError):
        _ = camsim.NoSuchThing  # type: ignore[attr-defined]
    probe = "import sys, hearthwatch.camsim.identity; print('av' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
