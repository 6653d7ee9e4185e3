"""Issue 12 item 11: the maker's side of binding (P5). A self-hoster provisions the cameras
`hearthwatch camsim` prints or writes (CLI or operator API); they then bind by serial and
code, or by QR code, through the API and the web page, with a name of the owner's choice."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hearthwatch.accounts.models import User
from hearthwatch.camsim.cli import print_fleet
from hearthwatch.camsim.fleet import CameraFleet, CameraInfo, FleetConfig
from hearthwatch.camsim.fleet_state import CredentialPolicy
from hearthwatch.camsim.scene import SceneSpec
from hearthwatch.context import AppContext
from hearthwatch.devices import provision
from hearthwatch.devices.models import Camera, RegisteredCamera
from hearthwatch.devices.registry import addresses
from hearthwatch.privacy.audit.models import AuditEntry
from hearthwatch.settings import Settings
from tests.conftest import SIMULATOR_NETWORK, sign_in
from tests.web.conftest import submit

PROVISION = "/api/v1/devices/provision"
BIND = "/api/v1/cameras/bind"
OLGA = "olga@example.net"
MAIN = SceneSpec(width=640, height=360, seconds=4, bitrate_kbps=800, motion=((1.0, 3.0),))
SUB = SceneSpec(width=320, height=180, fps=5, seconds=4, bitrate_kbps=200, motion=())


@dataclass(frozen=True)
class CamsimOutput:
    """One running camsim fleet and what its CLI printed and wrote about it."""

    cameras: list[CameraInfo]
    printout: str
    json_line: str
    state_file: Path


def _printed(fleet: CameraFleet, **options: Any) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print_fleet(fleet, argparse.Namespace(**{"qr": None, "json": False, **options}))
    return out.getvalue()


@pytest.fixture(scope="module")
def camsim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CamsimOutput]:
    """Three simulated cameras (one with a login), served on loopback by camsim's fleet;
    its printout (with the QR codes drawn), its --json line and its --state file."""
    folder = tmp_path_factory.mktemp("camsim")
    config = FleetConfig(
        cameras=3, port=0, seed=12, main_scene=MAIN, sub_scene=SUB,
        state_file=folder / "state.json",
        credentials=CredentialPolicy(unique_passwords=True),
    )  # fmt: skip
    with CameraFleet(config) as fleet:
        yield CamsimOutput(
            cameras=fleet.cameras,
            printout=_printed(fleet, qr=str(folder / "qr")),
            json_line=_printed(fleet, json=True),
            state_file=folder / "state.json",
        )


@pytest.fixture
def olga(app: FastAPI, ctx: AppContext, make_user: Any) -> Iterator[TestClient]:
    """The operator, signed in with her own client."""
    ctx.settings.operator_emails = OLGA
    make_user(OLGA)
    with TestClient(app) as operator_client:
        sign_in(operator_client, OLGA)
        yield operator_client


def provision_via_api(olga: TestClient, content: str, **options: Any) -> dict[str, Any]:
    response = olga.post(PROVISION, json={"content": content, **options})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refused(olga: TestClient, content: str, **options: Any) -> list[tuple[int | None, str]]:
    """The (line or camera number, code) of each problem of a refused list."""
    response = olga.post(PROVISION, json={"content": content, **options})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "provision.invalid"
    return [(p["line"] or p["entry"], p["code"]) for p in error["details"]["problems"]]


def registry_size(ctx: AppContext) -> int:
    with ctx.db.session() as db:
        return int(db.scalar(select(func.count()).select_from(RegisteredCamera)) or 0)


def provision_audits(ctx: AppContext) -> list[AuditEntry]:
    with ctx.db.session() as db:
        query = select(AuditEntry).where(AuditEntry.action == provision.AUDIT_ACTION)
        rows = db.scalars(query.order_by(AuditEntry.seq))
        found = list(rows)
        db.expunge_all()
        return found


def stored_camera(ctx: AppContext, camera_id: str) -> tuple[str, str, str | None]:
    with ctx.db.session() as db:
        camera = db.get(Camera, camera_id)
        assert camera is not None
        return camera.name, camera.rtsp_url, camera.sub_rtsp_url


# --- before: the self-hoster's cameras are unknown -------------------------------------------


def test_issue12_item11_unprovisioned_camsim_camera_is_refused(
    client: TestClient, alice: User, camsim: CamsimOutput
) -> None:
    camera = camsim.cameras[0]
    body = {"serial": camera.serial, "verification_code": camera.verification_code}
    response = client.post(BIND, json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "camera.code_invalid"


# --- provisioning camsim's own output, then binding ------------------------------------------


def test_issue12_item11_camsim_printout_provisions_then_binds_by_serial_and_by_qr(
    client: TestClient, alice: User, olga: TestClient, ctx: AppContext, camsim: CamsimOutput
) -> None:
    assert "█" in camsim.printout and "QR payload" in camsim.printout  # the real printout
    # As `hearthwatch camsim > cameras.txt 2>&1` keeps it: with its log and closing lines.
    logged = "camsim: preparing scenes (encoded once, then cached)...\n"
    logged += "2026-12-06 23:50:01,123 INFO rtsp server listening\n" + camsim.printout
    report = provision_via_api(olga, logged + "Press Ctrl-C to stop.\n")
    assert (report["format"], report["added"], report["updated"]) == ("text", 3, 0)

    first, second, third = camsim.cameras
    by_code = {
        "serial": first.serial.lower(),
        "verification_code": first.verification_code,
        "name": "Front door",
    }
    bound = client.post(BIND, json=by_code)
    assert bound.status_code == 201, bound.text
    assert bound.json()["name"] == "Front door"
    assert stored_camera(ctx, bound.json()["id"]) == ("Front door", first.main_url, first.sub_url)

    by_qr = client.post(f"{BIND}/qr", json={"payload": second.payload, "name": "Garden"})
    assert by_qr.status_code == 201, by_qr.text
    assert stored_camera(ctx, by_qr.json()["id"])[:2] == ("Garden", second.main_url)

    # The third camera's printed login is kept (sealed) and given to the bound camera.
    with ctx.db.session() as db:
        entry = db.get(RegisteredCamera, third.serial)
        assert entry is not None and entry.credentials is not None
        assert third.main_url not in entry.rtsp_url  # sealed, as registry.seal_address does


def test_issue12_item11_reimporting_changes_nothing_and_each_import_is_audited(
    olga: TestClient, ctx: AppContext, camsim: CamsimOutput
) -> None:
    first = provision_via_api(olga, camsim.json_line)
    again = provision_via_api(olga, camsim.json_line)
    printout = provision_via_api(olga, camsim.printout)  # the same cameras, another format
    assert (first["format"], first["added"]) == ("json", 3)
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert (printout["format"], printout["unchanged"]) == ("text", 3)
    assert registry_size(ctx) == 3
    entries = provision_audits(ctx)
    assert len(entries) == 3 and all(e.actor.startswith("operator:account-") for e in entries)
    assert json.loads(entries[0].details) == {
        "format": "json", "added": 3, "updated": 0, "unchanged": 0,
    }  # fmt: skip


def test_issue12_item11_dry_run_checks_without_storing(
    olga: TestClient, ctx: AppContext, camsim: CamsimOutput
) -> None:
    report = provision_via_api(olga, camsim.json_line, dry_run=True)
    assert (report["dry_run"], report["added"]) == (True, 3)
    assert registry_size(ctx) == 0 and provision_audits(ctx) == []


def test_issue12_item11_state_file_with_an_address_template(
    client: TestClient, alice: User, olga: TestClient, ctx: AppContext, camsim: CamsimOutput
) -> None:
    state = camsim.state_file.read_text()
    assert refused(olga, state)[0] == (1, "provision.address_missing")
    port = camsim.cameras[0].main_url.split(":")[2].split("/")[0]
    template = f"rtsp://127.0.0.1:{port}/{{serial}}/main"
    report = provision_via_api(olga, state, address_template=template, model="CamSim 1")
    assert report["added"] == 3
    camera = camsim.cameras[1]
    body = {"serial": camera.serial, "verification_code": camera.verification_code}
    bound = client.post(BIND, json=body).json()
    assert bound["model"] == "CamSim 1" and bound["name"] == f"Camera {camera.serial[-4:]}"


def test_issue12_item11_csv_and_qr_payload_lines(
    olga: TestClient, ctx: AppContext, camsim: CamsimOutput
) -> None:
    a, b, c = camsim.cameras
    table = (
        "serial,verification_code,rtsp_url,sub_rtsp_url,model\n"
        f"{a.serial},{a.verification_code},{a.main_url},{a.sub_url},CamSim 1\n"
        f"{b.serial},{b.verification_code},{b.main_url},,\n"
    )
    assert provision_via_api(olga, table)["format"] == "csv"
    payloads = provision_via_api(olga, f"{b.payload}\n{c.payload}\n")
    assert (payloads["format"], payloads["unchanged"], payloads["added"]) == ("text", 1, 1)
    with ctx.db.session() as db:
        entry = db.get(RegisteredCamera, a.serial)
        assert entry is not None and entry.model == "CamSim 1"
        assert addresses(ctx, entry) == (a.main_url, a.sub_url)


# --- bad lists -----------------------------------------------------------------------------

GOOD = "rtsp://127.0.0.1:8554/HWCGOOD0001/main"


@pytest.mark.parametrize(
    ("content", "problems"),
    [
        (  # camsim's printout with a mangled code, a bad line and a duplicate
            "Camera 1\n  serial      HWCGOOD0001\n  code        ABC12F\n"
            f"  main        {GOOD}\n  volume      11\n"
            f"Camera 2\n  serial      HWCGOOD0001\n  code        ABCDEF\n  main        {GOOD}\n",
            [(3, "provision.code_invalid"), (5, "provision.line_invalid"),
             (6, "provision.serial_duplicate")],
        ),
        (
            "serial,verification_code,rtsp_url\n"
            f"HWC!,ABCDEF,{GOOD}\n"
            "HWCGOOD0002,ABCDEF,http://example.org/\n"
            "HWCGOOD0003,ABCDEF,rtsp://169.254.169.254/x\n"
            "HWCGOOD0004,ABCDEF\n",
            [(2, "provision.serial_invalid"), (3, "provision.address_invalid"),
             (4, "provision.address_forbidden"), (5, "provision.line_invalid")],
        ),
        ("serial,code,url\nHWCGOOD0001,ABCDEF,x\n", [(1, "provision.column_unknown")]),
        ('{"cameras": [{"serial": "HWCGOOD0001", "verification_code": "ABCDEF", '
         f'"urls": {{"main": "{GOOD}"}}, "username": "admin"}}, 7]}}',
         [(1, "provision.login_incomplete"), (2, "provision.entry_invalid")]),
        ('{"cameras": ', [(None, "provision.json_invalid")]),
        ("HWCAM1;S=HWCGOOD0001;V=ABC\n", [(1, "provision.payload_invalid")]),
    ],
    ids=["camsim-printout", "csv", "csv-header", "json", "json-syntax", "payload"],
)  # fmt: skip
def test_issue12_item11_bad_lists_are_refused_whole_with_each_line_named(
    olga: TestClient, ctx: AppContext, content: str, problems: list[tuple[int | None, str]]
) -> None:
    assert refused(olga, content) == problems
    assert registry_size(ctx) == 0 and provision_audits(ctx) == []


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("x" * (provision.MAX_BYTES + 1), "provision.too_large"),
        ("\n\n", "provision.empty"),
        ("serial,verification_code,rtsp_url\n", "provision.empty"),
    ],
    ids=["too-large", "blank", "header-only"],
)
def test_issue12_item11_empty_or_oversized_lists_have_their_own_codes(
    olga: TestClient, content: str, code: str
) -> None:
    response = olga.post(PROVISION, json={"content": content})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("[" * 100_000, "provision.invalid"),  # nested past the JSON parser's recursion
        ("serial,verification_code\nHWC\x00,ABCDEF\n", "provision.invalid"),
        ("serial,verification_code\n" + "H" * 200_000 + ",ABCDEF\n", "provision.invalid"),
        ("\ud800 HWCAM1", "provision.not_text"),  # a lone surrogate is no UTF-8
        ('{"cameras": [{"serial": {"a": 1}, "urls": "x", "verification_code": 1e400}]}',
         "provision.invalid"),
        ("HWCAM1;S=HWCGOOD0001;V=ABCDEF;U=rtsp://[::1\n", "provision.invalid"),
    ],
    ids=["deep-json", "nul", "huge-field", "surrogate", "odd-types", "bad-ipv6"],
)  # fmt: skip
def test_issue12_item11_hostile_lists_get_a_stable_code_never_a_server_error(
    olga: TestClient, content: str, code: str
) -> None:
    body = json.dumps({"content": content})  # escaped: a lone surrogate travels as \ud800
    response = olga.post(PROVISION, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code


def test_issue12_item11_too_many_cameras(olga: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provision, "MAX_CAMERAS", 2)
    lines = "".join(f"HWCAM1;S=HWCMANY000{i};V=ABCDEF;U={GOOD}\n" for i in range(3))
    response = olga.post(PROVISION, json={"content": lines})
    assert response.json()["error"]["code"] == "provision.too_many"


def test_issue12_item11_bad_options_are_refused(olga: TestClient) -> None:
    response = olga.post(PROVISION, json={"content": "x", "address_template": "rtsp://h/no"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "request.invalid"


def test_issue12_item11_provisioning_is_for_operators_only(
    client: TestClient, alice: User, ctx: AppContext, camsim: CamsimOutput
) -> None:
    response = client.post(PROVISION, json={"content": camsim.json_line})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "operator.required"
    assert registry_size(ctx) == 0


# --- the command line ------------------------------------------------------------------------


def hearthwatch(
    settings: Settings, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {
        "HEARTHWATCH_DATA_DIR": str(settings.data_dir),
        "HEARTHWATCH_DATABASE_URL": settings.resolved_database_url,
        "HEARTHWATCH_KEYRING_URL": settings.resolved_keyring_url,
        "HEARTHWATCH_ENVIRONMENT": "development",
        "HEARTHWATCH_MAIL_BACKEND": "outbox",
        "HEARTHWATCH_CAMERA_ALLOWED_NETWORKS": SIMULATOR_NETWORK,
        "PATH": "/usr/bin:/bin",
    }
    command = [sys.executable, "-m", "hearthwatch.cli", *args]
    return subprocess.run(
        command, env=env, input=stdin, capture_output=True, text=True, check=False
    )


def test_issue12_item11_cli_provisions_camsim_json_then_the_camera_binds(
    client: TestClient, alice: User, settings: Settings, ctx: AppContext,
    camsim: CamsimOutput, tmp_path: Path,
) -> None:  # fmt: skip
    listing = tmp_path / "cameras.json"
    listing.write_text(camsim.json_line)
    done = hearthwatch(settings, "devices", "provision", str(listing), "--operator", "olga")
    assert done.returncode == 0, done.stderr
    assert "provisioned 3 camera(s) from json: 3 added, 0 updated, 0 unchanged" in done.stdout
    again = hearthwatch(settings, "devices", "provision", "-", "--json", stdin=camsim.json_line)
    assert json.loads(again.stdout)["unchanged"] == 3
    assert [e.actor for e in provision_audits(ctx)] == ["operator:olga", "operator:cli"]
    camera = camsim.cameras[2]
    body = {"serial": camera.serial, "verification_code": camera.verification_code, "name": "Shed"}
    assert client.post(BIND, json=body).status_code == 201


def test_issue12_item11_cli_reports_bad_lines_by_number(
    settings: Settings, ctx: AppContext, tmp_path: Path
) -> None:
    listing = tmp_path / "cameras.csv"
    listing.write_text(f"serial,verification_code,rtsp_url\nHWCGOOD0001,ABCDE1,{GOOD}\n")
    failed = hearthwatch(settings, "devices", "provision", str(listing))
    assert failed.returncode == 1
    assert "line 2: provision.code_invalid" in failed.stderr
    binary = tmp_path / "photo.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    assert "provision.not_text" in hearthwatch(settings, "devices", "provision", str(binary)).stderr
    missing = hearthwatch(settings, "devices", "provision", str(tmp_path / "none.json"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    assert registry_size(ctx) == 0


# --- the web page: a name for cameras added by QR code -----------------------------------------


def test_issue12_item11_web_binds_provisioned_cameras_by_serial_and_by_qr_with_a_name(
    client: TestClient, olga: TestClient, ctx: AppContext, camsim: CamsimOutput, make_user: Any
) -> None:
    from tests.web.conftest import web_sign_in
    from tests.web.test_camera_pages import added_id

    provision_via_api(olga, camsim.printout)
    make_user("bob@example.org")
    web_sign_in(client, "bob@example.org")
    page = client.get("/cameras/add").text
    assert 'id="scan-name"' in page and 'id="photo-name"' in page

    first, second, third = camsim.cameras
    fields = {"payload": first.payload, "name": "Porch"}
    scanned = added_id(submit(client, "/cameras/add/scan", fields, page="/cameras/add"))
    assert stored_camera(ctx, scanned)[:2] == ("Porch", first.main_url)

    photo = {"qr_image": ("label.png", second.identity.qr_png(), "image/png")}
    shot = submit(client, "/cameras/add/photo", {"name": "Attic"}, page="/cameras/add", files=photo)
    assert stored_camera(ctx, added_id(shot))[0] == "Attic"

    typed = {"serial": third.serial, "verification_code": third.verification_code, "name": "Shed"}
    assert (
        stored_camera(
            ctx, added_id(submit(client, "/cameras/add/code", typed, page="/cameras/add"))
        )[0]
        == "Shed"
    )


def test_issue12_item11_web_qr_name_is_validated_like_other_camera_names(
    client: TestClient, olga: TestClient, ctx: AppContext, camsim: CamsimOutput, make_user: Any
) -> None:
    from tests.web.conftest import web_sign_in

    provision_via_api(olga, camsim.printout)
    make_user("bob@example.org")
    web_sign_in(client, "bob@example.org")
    fields = {"payload": camsim.cameras[0].payload, "name": "x" * 65}
    shown = submit(client, "/cameras/add/scan", fields, page="/cameras/add")
    assert shown.status_code == 422
    assert "Give the camera a name of up to 64 characters." in shown.text
    assert camsim.cameras[0].payload in shown.text  # the scanned code is kept for a retry
    with ctx.db.session() as db:
        assert db.scalars(select(Camera)).first() is None
