"""Issue 12 item 22 (P7): a pending update is a link to a page per camera that says what
the update fixes and how to install it, from the operator's catalogue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.devices import firmware
from tests.devices.test_firmware import bind_registered
from tests.web.conftest import PageStructure

CAMSIM = "Hearthwatch CamSim"


@pytest.fixture
def cameras(ctx: AppContext, client: TestClient, alice: User) -> dict[str, str]:
    """Alice's cameras on the shipped catalogue: one on 1.4.2-sim (a security update
    waits), one up to date, one of a model nobody lists."""
    ctx.settings.firmware_catalog = firmware.SHIPPED_CATALOG
    return {
        "outdated": bind_registered(ctx, client, "FWPAGE001", CAMSIM, "1.4.2-sim")["id"],
        "current": bind_registered(ctx, client, "FWPAGE002", CAMSIM, "1.5.0-sim")["id"],
        "unlisted": bind_registered(ctx, client, "FWPAGE003", "Other Cam", "2.0")["id"],
    }


def test_issue12_item22_p7_the_security_badge_links_to_the_update_page(
    client: TestClient, cameras: dict[str, str]
) -> None:
    home = client.get("/").text
    link = f'href="/cameras/{cameras["outdated"]}/firmware" data-update-badge>Security update'
    assert link in home
    assert PageStructure(home).styled() == []
    camera_page = client.get(f"/cameras/{cameras['outdated']}").text
    assert f'href="/cameras/{cameras["outdated"]}/firmware"' in camera_page


def test_issue12_item22_p7_the_update_page_says_what_it_fixes_and_how_to_install_it(
    client: TestClient, cameras: dict[str, str]
) -> None:
    page = client.get(f"/cameras/{cameras['outdated']}/firmware")
    assert page.status_code == 200
    text = page.text
    assert "security update</strong> is waiting" in text and "1.5.0-sim" in text
    shipped = json.loads(firmware.SHIPPED_CATALOG.read_text())["models"][0]["releases"][0]
    for fix in shipped["fixes"]:
        assert fix.replace("'", "&#39;") in text
    steps = PageStructure(text).all("ol")
    assert steps and 'class="firmware-steps"' in text
    assert text.index("How to install it") < text.index("What it fixes")


@pytest.mark.parametrize(
    ("camera", "said"),
    [
        ("current", "Up to date: 1.5.0-sim is the newest firmware listed"),
        ("unlisted", "There is no update information for this model."),
    ],
)
def test_issue12_item22_without_an_update_the_page_says_why(
    client: TestClient, cameras: dict[str, str], camera: str, said: str
) -> None:
    page = client.get(f"/cameras/{cameras[camera]}/firmware")
    assert page.status_code == 200 and said in page.text
    assert "How to install it" not in page.text


def test_issue12_item22_someone_elses_camera_is_not_found(
    client: TestClient, cameras: dict[str, str], make_user: object
) -> None:
    assert client.get("/cameras/" + "0" * 32 + "/firmware").status_code == 404
    client.post("/api/v1/auth/logout")
    client.cookies.clear()
    away = client.get(f"/cameras/{cameras['outdated']}/firmware", follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"].startswith("/signin")


def test_issue12_item22_the_catalogue_refuses_an_advisory_that_is_not_a_web_address(
    tmp_path: Path,
) -> None:
    release = {
        "version": "2.0", "released": "2026-01-01", "severity": "security", "notes": "Fix.",
        "installs_automatically": False, "advisory_url": "javascript:alert(1)",
    }  # fmt: skip
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"models": [{"model": "X", "releases": [release]}]}))
    with pytest.raises(firmware.CatalogError, match="advisory_url"):
        firmware.load_catalog(path)
