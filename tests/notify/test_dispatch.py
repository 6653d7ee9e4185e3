"""Issue 14 items 4 and 8: what the dispatcher holds back, and why, in the history: the
cooldown per camera and zone, quiet hours (not for danger), arming modes, privacy mode,
restriction (P21), per-camera channel choices; and that it never blocks a detector."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.homes import service as homes
from hearthwatch.notify.dispatch import QUEUE_LIMIT, Dispatcher
from hearthwatch.notify.models import Notification
from hearthwatch.privacy.limits import service as limits
from tests.notify.conftest import AddEvent, history
from tests.support.smtp import Mailbox

WINTER_EVENING = datetime(2026, 12, 7, 22, 30, tzinfo=UTC)  # 23:30 in Berlin


def prefs(client: TestClient, **changes: Any) -> dict[str, Any]:
    body = {**client.get("/api/v1/notify/preferences").json(), **changes}
    answer = client.put("/api/v1/notify/preferences", json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def reasons(client: TestClient) -> list[str | None]:
    """Each alert's reason for being held back (None: sent), oldest first."""
    return [i["suppressed_reason"] for i in reversed(history(client))]


def notifications(ctx: AppContext) -> int:
    with ctx.db.session() as db:
        return int(db.scalar(select(func.count()).select_from(Notification)) or 0)


def test_issue14_cooldown_holds_the_same_camera_and_zone_not_another_zone(
    client: TestClient, ctx: AppContext, camera_id: str, add_event: AddEvent,
    dispatcher: Dispatcher, mailbox: Mailbox, alice: User,
) -> None:  # fmt: skip
    prefs(client, cooldown_seconds=60)
    with ctx.clock.frozen(WINTER_EVENING) as frozen:
        dispatcher.handle(add_event(camera_id, zones=("path",)))
        frozen.advance(timedelta(seconds=30))
        dispatcher.handle(add_event(camera_id, zones=("path",)))  # wind in the same zone
        frozen.advance(timedelta(seconds=1))
        dispatcher.handle(add_event(camera_id, zones=("gate",)))
        frozen.advance(timedelta(seconds=30))
        dispatcher.handle(add_event(camera_id, zones=("path",)))
    assert reasons(client) == [None, "cooldown", None, None]
    assert len(mailbox.to(alice.email)) == 3
    held = next(i for i in history(client) if i["suppressed_reason"] == "cooldown")
    assert held["deliveries"] == []  # held back: nothing went out on any channel


def test_issue14_quiet_hours_hold_alerts_in_the_users_zone_but_not_danger(
    client: TestClient, ctx: AppContext, camera_id: str, add_event: AddEvent,
    dispatcher: Dispatcher,
) -> None:  # fmt: skip
    prefs(client, quiet_hours={"start": "22:00", "end": "07:00"}, timezone="Europe/Berlin",
          cooldown_seconds=0)  # fmt: skip
    with ctx.clock.frozen(WINTER_EVENING) as frozen:
        dispatcher.handle(add_event(camera_id))
        frozen.advance(timedelta(seconds=1))
        dispatcher.handle(add_event(camera_id, kind="smoke"))
        frozen.advance(timedelta(hours=8))  # 07:30 in Berlin
        dispatcher.handle(add_event(camera_id))
    assert reasons(client) == ["quiet_hours", None, None]
    assert [i["kind"] for i in reversed(history(client))][1] == "alert.danger"


def test_issue14_arming_modes_decide_which_cameras_alert(
    client: TestClient, ctx: AppContext, alice: User, camera_id: str, add_event: AddEvent,
    dispatcher: Dispatcher,
) -> None:  # fmt: skip
    prefs(client, cooldown_seconds=0)
    dispatcher.handle(add_event(camera_id))  # no home yet: Away, every camera alerts
    with ctx.db.session() as db:
        home = homes.home_of(db, user_id=alice.id, now=ctx.clock.now())
        homes.set_mode(db, home, mode="home", by=alice.id, now=ctx.clock.now())
    dispatcher.handle(add_event(camera_id))  # Home: no camera alerts by default
    with ctx.db.session() as db:
        home = homes.home_of(db, user_id=alice.id, now=ctx.clock.now())
        homes.choose_cameras(db, home, user_id=alice.id, mode="home", camera_ids=[camera_id])
    dispatcher.handle(add_event(camera_id))
    assert reasons(client) == [None, "disarmed", None]


def test_issue14_item4_privacy_mode_stops_alerts_and_leaves_no_trace(
    client: TestClient, ctx: AppContext, camera_id: str, add_event: AddEvent,
    dispatcher: Dispatcher, mailbox: Mailbox,
) -> None:  # fmt: skip
    event_id = add_event(camera_id)
    with ctx.db.session() as db:
        camera = db.get(Camera, camera_id)
        assert camera is not None
        camera.privacy_mode = True
    dispatcher.handle(event_id)
    assert notifications(ctx) == 0 and mailbox.messages == []


def test_p21_a_restriction_of_the_camera_stops_alerts(
    client: TestClient, ctx: AppContext, alice: User, camera_id: str, add_event: AddEvent,
    dispatcher: Dispatcher, mailbox: Mailbox,
) -> None:  # fmt: skip
    with ctx.db.session() as db:
        limits.restrict(ctx, db, user_id=alice.id, use="all", camera_id=camera_id, until=None,
                        reason=None)  # fmt: skip
    dispatcher.handle(add_event(camera_id))
    assert notifications(ctx) == 0 and mailbox.messages == []


def test_issue14_per_camera_and_per_channel_choices(
    client: TestClient, ctx: AppContext, alice: User, camera_id: str, add_event: AddEvent,
    dispatcher: Dispatcher, mailbox: Mailbox,
) -> None:  # fmt: skip
    channels_off = {"push": False, "email": False, "webhook": True, "mqtt": True}
    prefs(client, cameras={camera_id: channels_off}, cooldown_seconds=0)
    dispatcher.handle(add_event(camera_id))
    assert mailbox.messages == []
    assert reasons(client) == ["no_channel"]  # no webhook or broker set up
    prefs(client, cameras={}, channels={"push": True, "email": True, "webhook": True,
                                        "mqtt": False})  # fmt: skip
    dispatcher.handle(add_event(camera_id))
    latest = history(client)[0]
    assert sorted(d["channel"] for d in latest["deliveries"]) == ["email", "push"]
    push = next(d for d in latest["deliveries"] if d["channel"] == "push")
    assert push["status"] == "skipped"  # no browser has push on


def test_issue14_preferences_refuse_bad_input_with_stable_codes(
    client: TestClient, ctx: AppContext, alice: User, make_user: Any
) -> None:
    base = client.get("/api/v1/notify/preferences").json()
    assert base == {"channels": {"push": True, "email": True, "webhook": True, "mqtt": True},
                    "images": True, "quiet_hours": None, "timezone": "UTC",
                    "cooldown_seconds": 60, "cameras": {}}  # fmt: skip
    stranger = make_user("bob@example.org")
    from tests.factories import add_camera

    theirs = add_camera(ctx, stranger.id)
    for change, code in (
        ({"timezone": "Mars/Olympus"}, "notify.timezone_invalid"),
        ({"cooldown_seconds": 3601}, "request.invalid"),
        ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "request.invalid"),
        ({"cameras": {theirs: base["channels"]}}, "notify.camera_unknown"),
    ):
        answer = client.put("/api/v1/notify/preferences", json={**base, **change})
        assert answer.status_code == 422 and answer.json()["error"]["code"] == code, change
    client.headers.pop("x-csrf-token")
    assert client.put("/api/v1/notify/preferences", json=base).status_code == 403


def test_issue14_the_dispatcher_never_blocks_the_detector_and_drains_on_stop(
    ctx: AppContext, client: TestClient, camera_id: str, add_event: AddEvent
) -> None:
    prefs(client, cooldown_seconds=0, channels={"push": True, "email": False, "webhook": False,
                                                "mqtt": False})  # fmt: skip
    events = [add_event(camera_id) for _ in range(5)]
    sink = Dispatcher(ctx)  # not started: nothing takes from the queue
    started = time.monotonic()
    for _ in range(QUEUE_LIMIT + 10):
        sink.event_opened(events[0])  # beyond the limit: dropped, never waited on
    assert time.monotonic() - started < 1.0
    sink = Dispatcher(ctx).start()
    for event_id in events:
        sink.event_opened(event_id)
    sink.stop()
    assert notifications(ctx) == 5
