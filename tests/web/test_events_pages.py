"""The event pages without a browser (issue 14 item 5): the list with its filters, pages,
"mark all seen" and clip links; playback opened from an event; the detection editor's page;
the privacy mode panel on the camera page; and refusals for a stranger's camera or event."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from tests.factories import add_camera
from tests.support.event_rows import SECOND, add_event, name_zones
from tests.web.conftest import csrf_of, submit, web_sign_in

T0 = 1_790_000_000_000_000  # 2026-09-21 14:13:20 UTC


def listed(html: str) -> list[str]:
    return re.findall(r'data-event-id="([0-9a-f]{32})"', html)


def test_event_list_shows_events_with_filters_and_pages(
    client: TestClient, ctx: AppContext, web_alice: User
) -> None:
    yard = add_camera(ctx, web_alice.id, "Yard")
    porch = add_camera(ctx, web_alice.id, "Porch")
    name_zones(ctx, yard, {"gate": "Front gate"})
    made = [add_event(ctx, web_alice.id, yard, T0 + n * SECOND) for n in range(55)]
    gate = add_event(ctx, web_alice.id, yard, T0 - 60 * SECOND, zones=["gate"])
    on_porch = add_event(ctx, web_alice.id, porch, T0 - 120 * SECOND)
    first = client.get("/events")
    assert first.status_code == 200
    assert listed(first.text) == made[::-1][:50]
    assert "Front gate (Yard)" in first.text  # the zone filter's choice
    assert "57 not seen yet" in first.text
    older = re.search(r'href="(/events\?cursor=[^"]+)" rel="next"', first.text)
    assert older is not None
    second = client.get(older.group(1).replace("&amp;", "&"))
    assert listed(second.text) == [*made[::-1][50:], gate, on_porch]
    assert 'rel="next"' not in second.text
    assert listed(client.get(f"/events?camera={porch}").text) == [on_porch]
    assert listed(client.get(f"/events?zone={yard}:gate").text) == [gate]
    until = "2026-09-21T14:12:00"  # naive without the page's script: read as UTC
    assert listed(client.get(f"/events?to={until}").text) == [on_porch]


def test_event_list_links_playback_at_the_event_and_its_clip(
    client: TestClient, ctx: AppContext, web_alice: User
) -> None:
    yard = add_camera(ctx, web_alice.id, "Yard")
    event = add_event(ctx, web_alice.id, yard, T0, thumbnail_key="some/key")
    page = client.get("/events").text
    assert f'href="/cameras/{yard}/playback?event={event}"' in page
    assert f'src="/api/v1/events/{event}/thumbnail"' in page
    clip = f"/api/v1/cameras/{yard}/clip?start=2026-09-21T14%3A13%3A15%2B00%3A00&amp;end="
    assert clip in page
    playback = client.get(f"/cameras/{yard}/playback?event={event}")
    assert playback.status_code == 200
    assert f'data-at-us="{T0 - 5 * SECOND}"' in playback.text
    assert f'data-event-id="{event}"' in playback.text
    assert 'data-day="2026-09-21"' in playback.text
    assert "Download the event" in playback.text


def test_p14_mark_all_seen_from_the_page(
    client: TestClient, ctx: AppContext, web_alice: User
) -> None:
    yard = add_camera(ctx, web_alice.id, "Yard")
    add_event(ctx, web_alice.id, yard, T0)
    assert "1 not seen yet" in client.get("/events").text
    done = submit(client, "/events/seen-all", {"unseen": "1"}, page="/events")
    assert done.status_code == 303
    assert done.headers["location"] == "/events?unseen=1"
    after = client.get("/events").text
    assert "You have seen every event." in after
    assert "badge--new" not in after
    assert client.get("/api/v1/events/unseen-count").json()["count"] == 0


def test_mark_all_seen_refuses_a_forged_form(
    client: TestClient, ctx: AppContext, web_alice: User
) -> None:
    response = client.post("/events/seen-all", data={"csrf_token": "forged"})
    assert response.status_code == 403


def test_bad_filters_are_a_page_not_a_crash(client: TestClient, web_alice: User) -> None:
    for query in ("cursor=nonsense", "from=yesterday", "zone=nope", "camera=nope"):
        response = client.get(f"/events?{query}")
        assert response.status_code == 422, query
        assert "That did not work" in response.text or "did not" in response.text


def test_strangers_event_or_camera_is_not_found(
    client: TestClient, ctx: AppContext, make_user: Any, web_alice: User
) -> None:
    bob = make_user("bob@example.org")
    bobs_yard = add_camera(ctx, bob.id, "Bob's yard")
    his = add_event(ctx, bob.id, bobs_yard, T0)
    mine = add_camera(ctx, web_alice.id, "Yard")
    assert client.get(f"/cameras/{bobs_yard}/detection").status_code == 404
    assert client.get(f"/cameras/{bobs_yard}/playback?event={his}").status_code == 404
    assert client.get(f"/cameras/{mine}/playback?event={his}").status_code == 404
    assert client.get(f"/cameras/{mine}/playback?event=not-an-id").status_code == 404
    assert his not in client.get("/events").text


def test_detection_page_and_privacy_mode_panel(
    client: TestClient, ctx: AppContext, web_alice: User
) -> None:
    yard = add_camera(ctx, web_alice.id, "Yard")
    editor = client.get(f"/cameras/{yard}/detection")
    assert editor.status_code == 200
    assert f'data-camera-id="{yard}"' in editor.text
    assert csrf_of_meta(editor.text)
    page = client.get(f"/cameras/{yard}").text
    assert f'href="/cameras/{yard}/detection"' in page
    assert "Switch privacy mode on" in page
    with ctx.db.session() as session:
        camera = session.get(Camera, yard)
        assert camera is not None
        camera.privacy_mode = True
    page = client.get(f"/cameras/{yard}").text
    assert "Privacy mode: no live view, recording or detection" in page
    assert "data-live-player" not in page


def test_nav_links_events_for_the_signed_in(client: TestClient, make_user: Any) -> None:
    user = make_user()
    assert 'href="/events"' not in client.get("/signin").text
    web_sign_in(client, user.email)
    home = client.get("/").text
    assert 'href="/events"' in home and "data-unseen-badge" in home


def csrf_of_meta(html: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    return found.group(1) if found else csrf_of(html)
