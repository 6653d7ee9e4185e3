"""Issue 14 item 6 through the API: each account's home, its arming mode (Home, Away, Night,
Off), which cameras alert in each mode, and the schedule's entries; anyone else's camera or
entry is refused exactly as a missing one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from tests.conftest import sign_in
from tests.factories import add_camera

HOME = "/api/v1/homes/current"
NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.fixture
def cameras(ctx: AppContext, alice: User) -> list[str]:
    return [add_camera(ctx, alice.id, "Porch"), add_camera(ctx, alice.id, "Hall")]


@pytest.fixture
def strangers_camera(ctx: AppContext, make_user: Any) -> str:
    return add_camera(ctx, make_user("bob@example.org").id, "Bob's porch")


def test_issue14_item6_a_home_is_made_when_first_asked_for(
    client: TestClient, alice: User, cameras: list[str]
) -> None:
    """A new home starts Away, where every camera alerts (as before homes existed)."""
    home = client.get(HOME).json()
    assert (home["name"], home["timezone"], home["mode"]) == ("My home", "UTC", "away")
    assert home["modes"] == {"home": [], "away": cameras, "night": cameras, "off": []}
    assert home["schedules"] == []
    assert client.get(HOME).json()["id"] == home["id"]  # one home, not one per request


def test_issue14_item6_switching_the_mode_records_who_and_when(
    ctx: AppContext, client: TestClient, alice: User
) -> None:
    with ctx.clock.frozen(NOON):
        switched = client.put(f"{HOME}/mode", json={"mode": "night"})
    assert switched.status_code == 200, switched.text
    home = client.get(HOME).json()
    assert home["mode"] == "night"
    assert home["mode_changed_by"] == alice.id
    assert datetime.fromisoformat(home["mode_changed_at"]) == NOON


def test_issue14_item6_each_mode_chooses_its_cameras(
    client: TestClient, alice: User, cameras: list[str]
) -> None:
    porch, hall = cameras
    chosen = client.put(f"{HOME}/modes/home", json={"camera_ids": [porch]})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["modes"]["home"] == [porch]
    client.put(f"{HOME}/modes/night", json={"camera_ids": []})
    modes = client.get(HOME).json()["modes"]
    assert modes == {"home": [porch], "away": [porch, hall], "night": [], "off": []}


def test_issue14_item6_a_strangers_camera_is_refused_as_a_missing_one(
    client: TestClient, alice: User, cameras: list[str], strangers_camera: str
) -> None:
    theirs = client.put(f"{HOME}/modes/home", json={"camera_ids": [cameras[0], strangers_camera]})
    missing = client.put(f"{HOME}/modes/home", json={"camera_ids": ["0" * 32]})
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert theirs.json()["error"]["code"] == "camera.not_found"
    assert client.get(HOME).json()["modes"]["home"] == []  # nothing half-done


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/mode", {"mode": "vacation"}, "homes.mode_unknown"),
        ("/modes/vacation", {"camera_ids": []}, "homes.mode_unknown"),
        ("", {"timezone": "Mars/Olympus_Mons"}, "homes.timezone_unknown"),
        ("", {"timezone": "../../etc/passwd"}, "homes.timezone_unknown"),
        ("", {"timezone": "Europe"}, "homes.timezone_unknown"),  # a folder of the database
    ],
)
def test_issue14_item6_bad_modes_and_zones_get_stable_codes(
    client: TestClient, alice: User, path: str, body: dict[str, Any], code: str
) -> None:
    refused = client.put(f"{HOME}{path}", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == code


def test_issue14_item6_the_home_is_renamed_and_moved_to_a_time_zone(
    client: TestClient, alice: User
) -> None:
    changed = client.put(HOME, json={"name": "Cabin", "timezone": "Europe/Berlin"})
    assert changed.status_code == 200, changed.text
    home = client.get(HOME).json()
    assert (home["name"], home["timezone"]) == ("Cabin", "Europe/Berlin")


def test_issue14_item6_schedule_entries_are_added_listed_and_removed(
    client: TestClient, alice: User
) -> None:
    added = client.post(
        f"{HOME}/schedules", json={"days": ["mon", "fri", "tue"], "at": "22:30", "mode": "night"}
    )
    assert added.status_code == 201, added.text
    entry = added.json()
    assert (entry["days"], entry["at"], entry["mode"], entry["enabled"]) == (
        ["mon", "tue", "fri"], "22:30", "night", True,
    )  # fmt: skip
    assert [s["id"] for s in client.get(HOME).json()["schedules"]] == [entry["id"]]
    removed = client.delete(f"{HOME}/schedules/{entry['id']}")
    assert removed.status_code == 204
    assert client.get(HOME).json()["schedules"] == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"days": [], "at": "07:00", "mode": "away"}, "homes.schedule_days_invalid"),
        ({"days": ["someday"], "at": "07:00", "mode": "away"}, "homes.schedule_days_invalid"),
        ({"days": ["mon"], "at": "24:00", "mode": "away"}, "homes.schedule_time_invalid"),
        ({"days": ["mon"], "at": "7:00", "mode": "away"}, "homes.schedule_time_invalid"),
        ({"days": ["mon"], "at": "07:00", "mode": "asleep"}, "homes.mode_unknown"),
    ],
)
def test_issue14_item6_a_bad_schedule_entry_gets_a_stable_code(
    client: TestClient, alice: User, body: dict[str, Any], code: str
) -> None:
    refused = client.post(f"{HOME}/schedules", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == code


def test_issue14_item6_a_strangers_schedule_entry_is_refused_as_a_missing_one(
    app: Any, client: TestClient, alice: User, make_user: Any
) -> None:
    make_user("bob@example.org")
    with TestClient(app) as bob:
        sign_in(bob, "bob@example.org")
        body = {"days": ["sat"], "at": "09:00", "mode": "home"}
        theirs = bob.post(f"{HOME}/schedules", json=body).json()["id"]
    refused = client.delete(f"{HOME}/schedules/{theirs}")
    missing = client.delete(f"{HOME}/schedules/{'0' * 32}")
    assert refused.status_code == missing.status_code == 404
    assert refused.json() == missing.json()
    assert refused.json()["error"]["code"] == "homes.schedule_not_found"


def test_issue14_item6_changes_from_a_browser_session_need_the_csrf_header(
    client: TestClient, alice: User
) -> None:
    del client.headers["x-csrf-token"]
    refused = client.put(f"{HOME}/mode", json={"mode": "off"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "auth.csrf_failed"
