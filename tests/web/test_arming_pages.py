"""Issue 14 item 6 in the web app: /home/arming switches the home's mode, chooses the
cameras of each mode, keeps the schedule and the home's time zone, with plain forms."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.homes import service
from tests.factories import add_camera
from tests.web.conftest import PageStructure, submit

PAGE = "/home/arming"
HOME = "/api/v1/homes/current"


def test_issue14_item6_the_arming_page_shows_the_mode_and_who_set_it(
    client: TestClient, web_alice: User
) -> None:
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "My home is set to" in page.text
    assert "Set by you" in page.text
    assert '<a href="/home/arming" aria-current="page">Arming</a>' in page.text
    structure = PageStructure(page.text)
    assert structure.inline_scripts == 0 and structure.styled() == []
    pressed = [b for b in structure.all("button") if b.get("aria-pressed") == "true"]
    assert [b["value"] for b in pressed] == ["away"]
    labelled = {str(a["for"]) for a in structure.all("label") if a.get("for")}
    unlabelled = [c for c in structure.controls() if c.get("id") not in labelled]
    assert unlabelled == [], unlabelled


def test_issue14_item6_the_switch_sets_the_mode(client: TestClient, web_alice: User) -> None:
    switched = submit(client, f"{PAGE}/mode", {"mode": "night"}, page=PAGE)
    assert switched.status_code == 303
    shown = client.get(switched.headers["location"]).text
    assert "Armed: Night." in shown
    home = client.get(HOME).json()
    assert (home["mode"], home["mode_changed_by"]) == ("night", web_alice.id)


def test_issue14_item6_the_cameras_of_a_mode_are_chosen_with_checkboxes(
    ctx: AppContext, client: TestClient, web_alice: User
) -> None:
    porch, hall = add_camera(ctx, web_alice.id, "Porch"), add_camera(ctx, web_alice.id, "Hall")
    chosen = submit(client, f"{PAGE}/modes/home", {f"camera-{hall}": "on"}, page=PAGE)
    assert chosen.status_code == 303
    assert client.get(HOME).json()["modes"]["home"] == [hall]
    submit(client, f"{PAGE}/modes/away", {}, page=PAGE)
    assert client.get(HOME).json()["modes"]["away"] == []
    assert f'id="cam-home-{hall}" name="camera-{hall}" value="on" checked' in client.get(PAGE).text
    assert porch not in client.get(HOME).json()["modes"]["home"]


def test_issue14_item6_a_strangers_camera_cannot_be_chosen(
    ctx: AppContext, client: TestClient, web_alice: User, make_user: Any
) -> None:
    theirs = add_camera(ctx, make_user("bob@example.org").id, "Bob's porch")
    refused = submit(client, f"{PAGE}/modes/home", {f"camera-{theirs}": "on"}, page=PAGE)
    assert refused.status_code == 404
    assert client.get(HOME).json()["modes"]["home"] == []


def test_issue14_item6_schedule_entries_are_added_and_removed_on_the_page(
    client: TestClient, web_alice: User
) -> None:
    fields = {"day-mon": "on", "day-tue": "on", "day-wed": "on", "day-thu": "on",
              "day-fri": "on", "at": "07:30", "mode": "away"}  # fmt: skip
    added = submit(client, f"{PAGE}/schedules", fields, page=PAGE)
    assert added.status_code == 303
    page = client.get(PAGE).text
    assert "Mon to Fri" in page and "07:30" in page
    (entry,) = client.get(HOME).json()["schedules"]
    assert entry["days"] == ["mon", "tue", "wed", "thu", "fri"]
    removed = submit(client, f"{PAGE}/schedules/{entry['id']}/delete", page=PAGE)
    assert removed.status_code == 303
    assert client.get(HOME).json()["schedules"] == []


def test_issue14_item6_a_schedule_entry_without_days_is_shown_again_with_the_problem(
    client: TestClient, web_alice: User
) -> None:
    refused = submit(client, f"{PAGE}/schedules", {"at": "07:30", "mode": "away"}, page=PAGE)
    assert refused.status_code == 422
    assert 'id="days-error"' in refused.text
    assert "Choose at least one day of the week." in refused.text


def test_issue14_item6_a_strangers_schedule_entry_is_a_missing_page(
    ctx: AppContext, client: TestClient, web_alice: User, make_user: Any
) -> None:
    bob = make_user("bob@example.org")
    with ctx.db.session() as db:
        home = service.home_of(db, user_id=bob.id, now=ctx.clock.now())
        entry = service.add_schedule(
            db, home, service.ScheduleEntry(1, "08:00", "away"), now=ctx.clock.now()
        )
        entry_id = entry.id
    refused = submit(client, f"{PAGE}/schedules/{entry_id}/delete", page=PAGE)
    assert refused.status_code == 404
    with ctx.db.session() as db:
        assert (
            len(service.schedules_of(db, service.home_of(db, user_id=bob.id, now=ctx.clock.now())))
            == 1
        )


def test_issue14_item6_the_home_gets_a_name_and_time_zone(
    client: TestClient, web_alice: User
) -> None:
    saved = submit(
        client, f"{PAGE}/home", {"name": "Cabin", "timezone": "Europe/Lisbon"}, page=PAGE
    )
    assert saved.status_code == 303
    home = client.get(HOME).json()
    assert (home["name"], home["timezone"]) == ("Cabin", "Europe/Lisbon")
    refused = submit(
        client, f"{PAGE}/home", {"name": "Cabin", "timezone": "Nowhere/Else"}, page=PAGE
    )
    assert refused.status_code == 422
    assert "Choose a time zone such as Europe/Berlin." in refused.text
