"""P17, P19 for notifications: the user's alert choices and history are in their data export
(the data map says they are exported), and erasing the account takes every notification
row with it (foreign keys cascade), leaving no secret in the database, its WAL or the disk."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.notify.dispatch import Dispatcher
from hearthwatch.notify.models import (
    CameraChannels,
    Delivery,
    MqttTarget,
    Notification,
    NotifyPreferences,
    PushSubscription,
    Webhook,
)
from hearthwatch.privacy.erasure import service as erasure
from hearthwatch.privacy.erasure.traces import files_under, sqlite_side_files
from tests.factories import build_export, open_export
from tests.notify.conftest import AddEvent
from tests.support.erasure import ask_code, erase_account
from tests.support.push_endpoint import LocalSubscription
from tests.support.smtp import Mailbox

NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
MQTT_PASSWORD = "broker-password-quokka-77"
HOOK_URL = "https://192.0.2.55/hook-quokka"  # stored, never called (off for the camera)
TABLES = (NotifyPreferences, CameraChannels, PushSubscription, Webhook, MqttTarget,
          Notification, Delivery)  # fmt: skip


def set_everything(client: TestClient, camera_id: str) -> dict[str, Any]:
    """Choices, a per-camera override, a webhook (its secret) and a broker (its password)."""
    body = client.get("/api/v1/notify/preferences").json()
    only_push_and_mail = {**body["channels"], "mqtt": False, "webhook": False}
    body |= {"timezone": "Europe/Lisbon", "quiet_hours": {"start": "23:00", "end": "06:30"},
             "cameras": {camera_id: only_push_and_mail}}  # fmt: skip
    assert client.put("/api/v1/notify/preferences", json=body).status_code == 200
    hook = client.post("/api/v1/notify/webhooks", json={"url": HOOK_URL})
    assert hook.status_code == 201, hook.text
    broker = {"url": "mqtts://192.0.2.44:8883", "topic": "home/alerts", "username": "hw",
              "password": MQTT_PASSWORD}  # fmt: skip
    assert client.put("/api/v1/notify/mqtt", json=broker).status_code == 200
    secret: dict[str, Any] = hook.json()
    return secret


def count(ctx: AppContext, model: Any) -> int:
    with ctx.db.session() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_p17_the_export_holds_the_alert_choices_and_history(
    client: TestClient, ctx: AppContext, alice: User, camera_id: str, add_event: AddEvent,
    dispatcher: Dispatcher, mailbox: Mailbox,
) -> None:  # fmt: skip
    set_everything(client, camera_id)
    with ctx.clock.frozen(NOON):  # outside the quiet hours
        dispatcher.handle(add_event(camera_id))
    with open_export(ctx, build_export(ctx, alice)) as archive:
        tables = json.loads(archive.read("data.json"))["tables"]
    (prefs,) = tables["notify_preferences"]
    assert prefs["timezone"] == "Europe/Lisbon" and prefs["quiet_start"] == "23:00"
    (alert,) = tables["notifications"]
    assert alert["title"] == "Motion: Porch"
    assert {d["status"] for d in tables["notification_deliveries"]} == {"sent", "skipped"}
    assert tables["notify_mqtt"][0]["url"] == "mqtts://192.0.2.44:8883"


def test_p19_erasure_takes_every_notification_row_and_leaves_no_secret_behind(
    client: TestClient, ctx: AppContext, alice: User, camera_id: str, add_event: AddEvent,
    dispatcher: Dispatcher, mailbox: Mailbox, browser_push: LocalSubscription, tmp_path: Path,
) -> None:  # fmt: skip
    hook = set_everything(client, camera_id)
    with ctx.clock.frozen(NOON):  # outside the quiet hours
        dispatcher.handle(add_event(camera_id))
    assert all(count(ctx, model) for model in TABLES)
    assert erase_account(client, code=ask_code(client, mailbox, alice.email)).status_code == 200
    assert erasure.pending_jobs(ctx) == []
    assert [count(ctx, model) for model in TABLES] == [0] * len(TABLES)
    places = [tmp_path, *sqlite_side_files(ctx.settings.resolved_database_url)]
    held = b"".join(p.read_bytes() for p in files_under(places))
    for trace in (hook["secret"], MQTT_PASSWORD, browser_push.endpoint, HOOK_URL):
        assert trace.encode() not in held, trace
