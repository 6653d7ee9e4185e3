"""Firmware update information (P7): versions, the operator's catalogue, the API and pages."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from hearthwatch import cli
from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.devices.firmware import (
    SHIPPED_CATALOG,
    CatalogCache,
    CatalogError,
    load_catalog,
    update_for,
    version_key,
)
from hearthwatch.devices.registry import register_camera
from hearthwatch.settings import Settings
from tests.web.conftest import PageStructure

CAMERAS = "/api/v1/cameras"
CODE = "ABCDEF"


def release(version: str, **overrides: Any) -> dict[str, Any]:
    return {
        "version": version,
        "released": "2026-11-03",
        "severity": "feature",
        "notes": f"What {version} brings.",
        "installs_automatically": True,
    } | overrides


CATALOG: dict[str, Any] = {
    "models": [
        {
            "model": "CamSim 1",
            "releases": [
                release("1.4.2", released="2026-08-18"),
                release("1.5.0", notes="Adds motion zones."),
                release(
                    "1.4.3",
                    released="2026-10-01",
                    severity="security",
                    notes="Closes an RTSP authentication bypass.",
                    installs_automatically=False,
                ),
            ],
        }
    ]
}


def write_catalog(path: Path, catalog: Any) -> Path:
    path.write_text(catalog if isinstance(catalog, str) else json.dumps(catalog))
    return path


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The shared test settings, with a catalogue of this module's own."""
    catalog = write_catalog(tmp_path / "firmware.json", CATALOG)
    return settings.model_copy(update={"firmware_catalog": catalog})


# --- versions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("newer", "older"),
    [
        ("1.10.0", "1.9.3"),
        ("1.5.0", "1.4.99"),
        ("2", "1.99.99"),
        ("1.5.0-sim", "1.4.2-sim"),
        ("1.5.0", "1.5.0-rc2"),
        ("1.5.0-rc10", "1.5.0-rc9"),
        ("1.5.0-rc1", "1.5.0-beta3"),
        ("1.5.0-beta", "1.5.0-alpha2"),
        ("1.5.0-alpha", "1.5.0-dev7"),
        ("1.5.0-sim", "1.5.0rc.1"),
        ("V5.7.3 build 220112", "v5.7.2"),
    ],
)
def test_p7_versions_compare_by_their_numbers(newer: str, older: str) -> None:
    assert version_key(newer) > version_key(older)


@pytest.mark.parametrize(
    ("one", "other"),
    [("1.5", "1.5.0"), ("1.5.0-sim", "1.5.0"), ("v1.5.0", "1.5.0 build 7"), ("01.05", "1.5")],
)
def test_p7_flavours_and_trailing_zeros_do_not_move_a_version(one: str, other: str) -> None:
    assert version_key(one) == version_key(other)


@pytest.mark.parametrize("text", ["", "sim", "1..2", "1.x", "one.two", ".1", "1.", "-1.2"])
def test_unreadable_versions_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a firmware version"):
        version_key(text)


# --- the catalogue -------------------------------------------------------------------------


def one_model(*releases: dict[str, Any], model: str = "CamSim 1") -> dict[str, Any]:
    return {"models": [{"model": model, "releases": list(releases)}]}


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "file: Invalid JSON: key must be a string at line 1 column 2"),
        ([], "file: Input should be an object"),
        ({}, "models: Field required"),
        (one_model(), "models.0.releases: List should have at least 1 item"),
        (one_model(release("1.x")), "models.0.releases.0.version: Value error, '1.x' is not"),
        (one_model(release("2"), release("2")), "versions 2 and 2 are the same release"),
        (
            one_model(release("1.5"), release("1.5.0")),
            "versions 1.5 and 1.5.0 are the same release",
        ),
        (one_model(release("1.5", severity="urgent")), "models.0.releases.0.severity: Input"),
        (one_model(release("1.5", released="3 Nov 2026")), "models.0.releases.0.released:"),
        (one_model(release("1.5", installs_automatically="yes")), "installs_automatically:"),
        (one_model(release("1.5", url="https://x")), "models.0.releases.0.url: Extra inputs"),
        (one_model(release("1.5", notes=" ")), "models.0.releases.0.notes: String should"),
        (
            {
                "models": [
                    one_model(release("1"))["models"][0],
                    {"model": "camsim 1 ", "releases": [release("2")]},
                ]
            },
            "models: Value error, models 'CamSim 1' and 'camsim 1' are the same model",
        ),
    ],
)
def test_p7_broken_catalogue_is_a_clear_error(tmp_path: Path, content: Any, problem: str) -> None:
    path = write_catalog(tmp_path / "firmware.json", content)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert str(caught.value).startswith(f"firmware catalogue {path}: ")
    assert problem in str(caught.value)


def test_p7_broken_catalogue_stops_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = write_catalog(tmp_path / "firmware.json", one_model(release("soon")))
    with pytest.raises(ValidationError, match="'soon' is not a firmware version"):
        Settings(firmware_catalog=broken)
    monkeypatch.setenv("HEARTHWATCH_FIRMWARE_CATALOG", str(tmp_path / "missing.json"))
    assert cli.main(["migrate"]) == 2
    assert "missing.json: cannot be read (No such file or directory)" in capsys.readouterr().err


def test_p7_shipped_catalogue_offers_the_simulator_an_update() -> None:
    """The demo's cameras (Hearthwatch CamSim 1.4.2-sim) have a newer release to show."""
    assert Settings().firmware_catalog == SHIPPED_CATALOG
    update = update_for(
        load_catalog(SHIPPED_CATALOG), model="Hearthwatch CamSim", version="1.4.2-sim"
    )
    assert update.status == "update_available"
    assert update.latest is not None and update.latest.version == "1.5.0-sim"


def touch(path: Path, content: Any, step: int) -> None:
    """Rewrite the file with an mtime of its own, however coarse the file system's clock."""
    write_catalog(path, content)
    os.utime(path, ns=(step * 1_000_000_000, step * 1_000_000_000))


def test_p7_catalogue_is_read_again_when_it_changes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, cache = tmp_path / "firmware.json", CatalogCache()
    touch(path, one_model(release("1.4.2")), step=1)
    assert update_for(cache.get(path), model="CamSim 1", version="1.4.2").status == "up_to_date"
    touch(path, one_model(release("1.4.2"), release("1.5.0")), step=2)
    assert cache.get(path).releases_of("CamSim 1") is not None
    assert (
        update_for(cache.get(path), model="CamSim 1", version="1.4.2").newer[0].version == "1.5.0"
    )
    touch(path, "{broken", step=3)
    with caplog.at_level(logging.ERROR, logger="hearthwatch.devices.firmware"):
        kept = [cache.get(path) for _ in range(3)]
    assert all(len(catalog.models[0].releases) == 2 for catalog in kept)
    assert len(caplog.records) == 1 and "keeping the last good one" in caplog.text
    with pytest.raises(CatalogError):
        cache.get(path, strict=True)


# --- the API and the pages -----------------------------------------------------------------


def bind_registered(
    ctx: AppContext, client: TestClient, serial: str, model: str | None, version: str | None
) -> dict[str, Any]:
    """A camera known to the registry with this model and firmware, bound by its code."""
    with ctx.db.session() as session:
        register_camera(
            ctx,
            session,
            serial=serial,
            code=CODE,
            rtsp_url="rtsp://192.0.2.10:554/stream1",
            model=model,
            firmware_version=version,
        )
    body = {"serial": serial, "verification_code": CODE, "name": serial.title()}
    response = client.post(f"{CAMERAS}/bind", json=body)
    assert response.status_code == 201, response.text
    camera: dict[str, Any] = response.json()
    return camera


@pytest.fixture
def fleet(ctx: AppContext, client: TestClient, alice: User) -> Iterator[dict[str, str]]:
    """Alice's cameras: one outdated, one current, one of an unlisted model, one by address."""
    ids = {
        "outdated": bind_registered(ctx, client, "OUTDATED1", "CamSim 1", "1.4.2")["id"],
        "current": bind_registered(ctx, client, "CURRENT01", "camsim 1", "1.5.0")["id"],
        "unlisted": bind_registered(ctx, client, "UNLISTED1", "Other Cam", "3.0")["id"],
        "unreadable": bind_registered(ctx, client, "UNREADAB1", "CamSim 1", "nightly")["id"],
    }
    response = client.post(
        f"{CAMERAS}/bind/rtsp",
        json={"url": "rtsp://192.0.2.11:554/s", "name": "Garage", "add_offline": True},
    )
    ids["by_address"] = response.json()["id"]
    yield ids


def test_p7_api_says_when_an_update_is_available(client: TestClient, fleet: dict[str, str]) -> None:
    update = client.get(f"{CAMERAS}/{fleet['outdated']}").json()["firmware_update"]
    assert update["status"] == "update_available"
    assert update["severity"] == "security"  # 1.4.3, on the way to 1.5.0, is a security fix
    assert [r["version"] for r in update["newer_releases"]] == ["1.5.0", "1.4.3"]
    assert update["latest"] == {
        "version": "1.5.0",
        "released": "2026-11-03",
        "severity": "feature",
        "notes": "Adds motion zones.",
        "installs_automatically": True,
    }
    assert update["reason"] is None


def test_p7_api_says_when_firmware_is_up_to_date(client: TestClient, fleet: dict[str, str]) -> None:
    update = client.get(f"{CAMERAS}/{fleet['current']}").json()["firmware_update"]
    assert update["status"] == "up_to_date"
    assert update["latest"]["version"] == "1.5.0"
    assert (update["severity"], update["newer_releases"], update["reason"]) == (None, [], None)


@pytest.mark.parametrize(
    ("camera", "reason", "has_latest"),
    [
        ("unlisted", "model_not_listed", False),
        ("by_address", "no_model", False),
        ("unreadable", "version_unreadable", True),
    ],
)
def test_p7_api_says_when_update_information_is_unknown(
    client: TestClient, fleet: dict[str, str], camera: str, reason: str, has_latest: bool
) -> None:
    update = client.get(f"{CAMERAS}/{fleet[camera]}").json()["firmware_update"]
    assert (update["status"], update["reason"]) == ("unknown", reason)
    assert (update["latest"] is not None) == has_latest
    assert update["newer_releases"] == [] and update["severity"] is None


def test_p7_camera_list_carries_update_information(
    client: TestClient, fleet: dict[str, str]
) -> None:
    listed = {c["id"]: c["firmware_update"]["status"] for c in client.get(CAMERAS).json()}
    assert listed == {
        fleet["outdated"]: "update_available",
        fleet["current"]: "up_to_date",
        fleet["unlisted"]: "unknown",
        fleet["unreadable"]: "unknown",
        fleet["by_address"]: "unknown",
    }


def test_p7_update_information_is_documented_in_openapi(client: TestClient) -> None:
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert "firmware_update" in schemas["CameraPublic"]["required"]
    update = schemas["FirmwareUpdatePublic"]
    assert set(update["properties"]) == {
        "status",
        "latest",
        "severity",
        "newer_releases",
        "reason",
    }
    assert update["properties"]["status"]["enum"] == ["up_to_date", "update_available", "unknown"]
    assert schemas["FirmwareReleasePublic"]["properties"]["released"]["format"] == "date"


def test_p7_camera_page_shows_the_update_and_its_notes(
    client: TestClient, fleet: dict[str, str]
) -> None:
    html = client.get(f"/cameras/{fleet['outdated']}").text
    assert "Update available: 1.5.0 (security fix, released 3 Nov 2026)" in html
    assert "Closes an RTSP authentication bypass." in html and "Adds motion zones." in html
    assert "The camera installs it by itself." in html
    page = PageStructure(html)
    assert page.styled() == [] and page.inline_scripts == 0 and page.style_blocks == 0


@pytest.mark.parametrize(
    ("camera", "text"),
    [
        ("current", "Up to date"),
        ("unlisted", "Unknown: there is no update information for this model."),
        ("by_address", "Unknown: the camera does not say which model it is."),
    ],
)
def test_p7_camera_page_says_up_to_date_or_unknown(
    client: TestClient, fleet: dict[str, str], camera: str, text: str
) -> None:
    html = client.get(f"/cameras/{fleet[camera]}").text
    assert text in html and "Update available" not in html


def test_p7_cameras_grid_marks_cameras_with_an_update(
    client: TestClient, fleet: dict[str, str]
) -> None:
    html = client.get("/").text
    tiles = html.split("data-camera-tile")[1:]
    marked = [tile for tile in tiles if "data-update-badge" in tile]
    assert len(marked) == 1 and f"/cameras/{fleet['outdated']}" in marked[0]
    assert "Security update" in marked[0]
    assert PageStructure(html).styled() == []
