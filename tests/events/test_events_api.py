"""The events API (issue 14 item 5): the list across cameras with its filters and cursor
paging, seen and unseen per user, one event, the timeline's marks, and refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.events.models import Event
from hearthwatch.events.thumbnails import store_thumbnail
from tests.conftest import sign_in
from tests.factories import add_camera
from tests.support.event_rows import SECOND, add_event, name_zones

T0 = 1_790_000_000_000_000  # 2026-09-21, on a whole second
JPEG = b"\xff\xd8\xff\xe0" + b"picture" * 50 + b"\xff\xd9"  # opaque bytes, stored as given


def ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["items"]]


def all_pages(client: TestClient, query: str, limit: int) -> list[str]:
    """Every event id the list hands out, page by page along `next_cursor`."""
    seen: list[str] = []
    cursor = None
    for _ in range(100):
        suffix = f"&cursor={cursor}" if cursor else ""
        response = client.get(f"/api/v1/events?limit={limit}{query}{suffix}")
        assert response.status_code == 200, response.text
        seen += ids(response.json())
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("the pages never ended")


@pytest.fixture
def yard(ctx: AppContext, alice: User) -> str:
    return add_camera(ctx, alice.id, "Yard")


def test_list_shows_own_events_newest_first_with_names(
    client: TestClient, ctx: AppContext, alice: User, yard: str
) -> None:
    name_zones(ctx, yard, {"gate": "Front gate"})
    older = add_event(ctx, alice.id, yard, T0, zones=["gate"])
    newer = add_event(ctx, alice.id, yard, T0 + 60 * SECOND, thumbnail_key="k")
    body = client.get("/api/v1/events").json()
    assert ids(body) == [newer, older]
    assert body["next_cursor"] is None
    first, second = body["items"]
    assert first["camera_name"] == "Yard"
    assert first["thumbnail_url"] == f"/api/v1/events/{newer}/thumbnail"
    assert second["thumbnail_url"] is None
    assert second["zones"] == [{"id": "gate", "name": "Front gate"}]
    assert second["clip"] == {"start_us": T0 - 5 * SECOND, "end_us": T0 + 16 * SECOND}
    assert second["start"] == datetime.fromtimestamp(T0 / SECOND, UTC).isoformat().replace(
        "+00:00", "Z"
    )
    assert second["seen"] is False


def test_p14_cursor_pages_neither_repeat_nor_skip_with_equal_starts(
    client: TestClient, ctx: AppContext, alice: User, yard: str
) -> None:
    """Keyset paging on (start, id): events sharing a start time still page exactly once."""
    made = [add_event(ctx, alice.id, yard, T0 + (i // 4) * SECOND) for i in range(11)]
    listed = all_pages(client, "", 3)
    assert sorted(listed) == sorted(made)
    assert len(listed) == len(set(listed)) == 11
    starts = [T0 + (made.index(i) // 4) * SECOND for i in listed]
    assert starts == sorted(starts, reverse=True)


def test_filters_by_camera_time_and_zone(
    client: TestClient, ctx: AppContext, alice: User, yard: str
) -> None:
    porch = add_camera(ctx, alice.id, "Porch")
    in_yard = add_event(ctx, alice.id, yard, T0, zones=["gate", "path"])
    later_yard = add_event(ctx, alice.id, yard, T0 + 3600 * SECOND, zones=["path"])
    on_porch = add_event(ctx, alice.id, porch, T0 + 10 * SECOND, zones=["gate"])
    assert ids(client.get(f"/api/v1/events?camera_id={porch}").json()) == [on_porch]
    both = client.get(f"/api/v1/events?camera_id={porch}&camera_id={yard}").json()
    assert ids(both) == [later_yard, on_porch, in_yard]
    start = T0 + 5 * SECOND
    assert ids(client.get(f"/api/v1/events?from={start}").json()) == [later_yard, on_porch]
    iso = "2026-09-21T15:00:00%2B00:00"  # T0 is 2026-09-21 14:13:20 UTC
    assert ids(client.get(f"/api/v1/events?to={iso}").json()) == [on_porch, in_yard]
    gate = client.get(f"/api/v1/events?zone={yard}:gate").json()
    assert ids(gate) == [in_yard]
    assert ids(client.get(f"/api/v1/events?zone={yard}:path&limit=1").json()) == [later_yard]
    assert all_pages(client, f"&zone={yard}:path", 1) == [later_yard, in_yard]


def test_p14_seen_and_unseen_per_user(
    client: TestClient, ctx: AppContext, alice: User, yard: str
) -> None:
    """Opening an event marks it seen; "mark all seen" covers every event so far; a new one
    is unseen again; the unseen filter and count follow."""
    first = add_event(ctx, alice.id, yard, T0)
    second = add_event(ctx, alice.id, yard, T0 + SECOND)
    assert client.get("/api/v1/events/unseen-count").json() == {
        "count": 2,
        "capped": False,
        "cap": 1000,
    }
    assert client.post(f"/api/v1/events/{first}/seen").status_code == 204
    assert client.post(f"/api/v1/events/{first}/seen").status_code == 204  # twice is once
    assert client.get(f"/api/v1/events/{first}").json()["seen"] is True
    assert ids(client.get("/api/v1/events?unseen=true").json()) == [second]
    assert client.get("/api/v1/events/unseen-count").json()["count"] == 1
    with ctx.clock.frozen(datetime.fromtimestamp((T0 + 10 * SECOND) / SECOND, UTC)):
        assert client.post("/api/v1/events/seen-all").status_code == 204
    assert client.get("/api/v1/events/unseen-count").json()["count"] == 0
    assert ids(client.get("/api/v1/events?unseen=true").json()) == []
    third = add_event(ctx, alice.id, yard, T0 + 20 * SECOND)
    assert ids(client.get("/api/v1/events?unseen=true").json()) == [third]
    body = client.get("/api/v1/events").json()
    assert [item["seen"] for item in body["items"]] == [False, True, True]


def test_seen_is_each_users_own(
    client: TestClient, ctx: AppContext, make_user: Any, alice: User, yard: str
) -> None:
    bob = make_user("bob@example.org")
    bobs_yard = add_camera(ctx, bob.id, "Bob's yard")
    mine = add_event(ctx, alice.id, yard, T0)
    his = add_event(ctx, bob.id, bobs_yard, T0)
    client.post("/api/v1/events/seen-all")
    sign_in(client, bob.email)
    assert ids(client.get("/api/v1/events?unseen=true").json()) == [his]
    assert client.get(f"/api/v1/events/{mine}").status_code == 404


def test_p14_strangers_event_is_the_same_404_as_a_missing_one(
    client: TestClient, ctx: AppContext, make_user: Any, alice: User
) -> None:
    bob = make_user("bob@example.org")
    bobs_yard = add_camera(ctx, bob.id, "Bob's yard")
    his = add_event(ctx, bob.id, bobs_yard, T0)
    missing = "0" * 32
    assert ids(client.get("/api/v1/events").json()) == []
    for event_id in (his, missing):
        for method, path in (
            ("GET", f"/api/v1/events/{event_id}"),
            ("POST", f"/api/v1/events/{event_id}/seen"),
        ):
            response = client.request(method, path)
            assert response.status_code == 404, path
            assert response.json()["error"]["code"] == "event.not_found"
    marks = client.get(f"/api/v1/cameras/{bobs_yard}/events?from_us={T0}&to_us={T0 + SECOND}")
    assert marks.status_code == 404
    assert marks.json()["error"]["code"] == "camera.not_found"
    assert client.get(f"/api/v1/events?camera_id={bobs_yard}").json()["items"] == []
    assert client.get(f"/api/v1/events?zone={bobs_yard}:gate").json()["items"] == []


def test_timeline_marks_overlap_the_range(
    client: TestClient, ctx: AppContext, alice: User, yard: str
) -> None:
    before = add_event(ctx, alice.id, yard, T0 - 120 * SECOND)
    running_in = add_event(ctx, alice.id, yard, T0 - 3 * SECOND)
    inside = add_event(ctx, alice.id, yard, T0 + 30 * SECOND)
    still_open = add_event(ctx, alice.id, yard, T0 + 50 * SECOND, still_open=True)
    after = add_event(ctx, alice.id, yard, T0 + 61 * SECOND)
    response = client.get(f"/api/v1/cameras/{yard}/events?from_us={T0}&to_us={T0 + 60 * SECOND}")
    assert response.status_code == 200
    assert ids(response.json()) == [running_in, inside, still_open]
    assert before not in ids(response.json()) and after not in ids(response.json())
    assert response.json()["items"][2]["end_us"] is None


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("cursor=bm90LWEtY3Vyc29y", "events.cursor_invalid"),
        ("cursor=%25%25%25", "events.cursor_invalid"),
        ("cursor=OTk5OTk5OTk5OTk5OTk5OTk5OTo" + "a" * 43, "events.cursor_invalid"),
        ("from=yesterday", "events.time_invalid"),
        ("from=2026-09-21T10:00:00", "events.time_invalid"),
        ("to=99999999999999999999999", "events.time_invalid"),
        ("zone=gate", "request.invalid"),
        ("camera_id=nope", "request.invalid"),
        ("limit=0", "request.invalid"),
        ("limit=101", "request.invalid"),
        ("unseen=perhaps", "request.invalid"),
    ],
)
def test_bad_query_is_a_stable_422(client: TestClient, alice: User, query: str, code: str) -> None:
    response = client.get(f"/api/v1/events?{query}")
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize(
    "query",
    [f"from_us={T0}&to_us={T0}", f"from_us={T0}&to_us={T0 + 49 * 3600 * SECOND}", "from_us=1"],
)
def test_bad_timeline_range_is_a_stable_422(
    client: TestClient, alice: User, yard: str, query: str
) -> None:
    response = client.get(f"/api/v1/cameras/{yard}/events?{query}")
    assert response.status_code == 422
    assert response.json()["error"]["code"] in {"events.range_invalid", "request.invalid"}


def test_signed_out_is_refused(client: TestClient) -> None:
    assert client.get("/api/v1/events").status_code == 401
    assert client.get("/api/v1/events/unseen-count").status_code == 401


def test_p14_pages_inside_filters_neither_repeat_nor_skip(
    client: TestClient, ctx: AppContext, alice: User, yard: str
) -> None:
    """Cursor pages under a time window and the unseen filter together: every match once."""
    starts = {add_event(ctx, alice.id, yard, T0 + (n // 2) * SECOND): T0 + (n // 2) * SECOND
              for n in range(30)}  # fmt: skip
    for event_id, start in starts.items():
        if start % (3 * SECOND) == 0:
            client.post(f"/api/v1/events/{event_id}/seen")
    window = (T0 + 3 * SECOND, T0 + 12 * SECOND)
    for query, wanted in (
        (f"&from={window[0]}&to={window[1]}", lambda s: window[0] <= s < window[1]),
        ("&unseen=true", lambda s: s % (3 * SECOND) != 0),
        (
            f"&from={window[0]}&to={window[1]}&unseen=true",
            lambda s: window[0] <= s < window[1] and s % (3 * SECOND) != 0,
        ),
    ):
        expected = {e for e, s in starts.items() if wanted(s)}
        listed = all_pages(client, query, 3)
        assert len(listed) == len(set(listed)) and set(listed) == expected, query


def test_thumbnail_is_the_stored_jpeg_privately(
    client: TestClient, ctx: AppContext, make_user: Any, alice: User, yard: str
) -> None:
    event = add_event(ctx, alice.id, yard, T0)
    key = store_thumbnail(ctx.vault, owner_id=alice.id, camera_id=yard, event_id=event, jpeg=JPEG)
    with ctx.db.session() as session:
        row = session.get(Event, event)
        assert row is not None
        row.thumbnail_key = key
    response = client.get(f"/api/v1/events/{event}/thumbnail")
    assert response.status_code == 200
    assert response.content == JPEG
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "private, no-store"
    without = add_event(ctx, alice.id, yard, T0 + SECOND)
    missing = client.get(f"/api/v1/events/{without}/thumbnail")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "event.no_thumbnail"
    bob = make_user("bob@example.org")
    sign_in(client, bob.email)
    refused = client.get(f"/api/v1/events/{event}/thumbnail")
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "event.not_found"
