"""Issue 14 item 7: alerts published to the user's own broker, a real Mosquitto with TLS
(the test's own CA), passwords and an ACL; the password is write-only and sealed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.notify.dispatch import Dispatcher
from tests.notify.conftest import AddEvent, history, wait_until
from tests.support.mosquitto import Broker, mosquitto_broker

TOPIC = "home/alerts/hearthwatch"
USERS = {
    "hearthwatch": ("publisher-pass-1", "write home/alerts/#"),
    "watcher": ("watcher-pass-2", "read home/alerts/#"),
}


@pytest.fixture
def broker(tmp_path: Path, ctx: AppContext) -> Iterator[Broker]:
    with mosquitto_broker(tmp_path / "mosquitto", users=USERS) as running:
        ctx.settings.notify_mqtt_ca_file = running.ca_file
        yield running


class Watcher:
    """Another client of the broker, subscribed to the alerts' topics."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.messages: list[tuple[str, bytes]] = []
        self.ready = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        assert self.ready.wait(10), "the watcher did not subscribe"

    def _run(self) -> None:
        with contextlib.suppress(Exception):  # the broker stops at the end of the test
            asyncio.run(self._listen())

    async def _listen(self) -> None:
        tls = ssl.create_default_context(cafile=str(self.broker.ca_file))
        password = USERS["watcher"][0]
        async with aiomqtt.Client(self.broker.host, self.broker.port, username="watcher",
                                  password=password, tls_context=tls) as client:  # fmt: skip
            await client.subscribe("home/alerts/#", qos=1)
            self.ready.set()
            async for message in client.messages:
                self.messages.append((str(message.topic), bytes(message.payload)))  # type: ignore[arg-type]


def set_broker(client: TestClient, broker: Broker, password: str | None) -> dict[str, Any]:
    body = {"url": broker.url, "topic": TOPIC, "username": "hearthwatch", "password": password}
    answer = client.put("/api/v1/notify/mqtt", json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def mqtt_delivery(client: TestClient) -> dict[str, Any]:
    found: dict[str, Any] = next(d for d in history(client)[0]["deliveries"]
                                 if d["channel"] == "mqtt")  # fmt: skip
    return found


def test_issue14_the_users_broker_gets_the_alert_over_tls_with_qos1(
    client: TestClient, alice: User, camera_id: str, add_event: AddEvent, broker: Broker,
    dispatcher: Dispatcher,
) -> None:  # fmt: skip
    shown = set_broker(client, broker, USERS["hearthwatch"][0])
    assert shown == {"url": broker.url, "topic": TOPIC, "username": "hearthwatch",
                     "password_set": True}  # fmt: skip
    assert client.get("/api/v1/notify/mqtt").json() == shown  # the password is never shown
    watcher = Watcher(broker)
    event_id = add_event(camera_id)
    dispatcher.handle(event_id)
    topic, payload = wait_until(lambda: watcher.messages)[0]
    assert topic == TOPIC
    alert = json.loads(payload)
    assert (alert["event_id"], alert["title"]) == (event_id, "Motion: Porch")
    assert mqtt_delivery(client)["status"] == "sent"


def test_issue14_a_wrong_password_is_a_failed_attempt_retried_later(
    client: TestClient, alice: User, camera_id: str, add_event: AddEvent, broker: Broker,
    dispatcher: Dispatcher,
) -> None:  # fmt: skip
    set_broker(client, broker, "not-the-password")
    dispatcher.handle(add_event(camera_id))
    delivery = mqtt_delivery(client)
    assert delivery["status"] == "retrying" and "MQTT" in delivery["error"]
    assert client.delete("/api/v1/notify/mqtt").status_code == 204
    assert client.get("/api/v1/notify/mqtt").json()["error"]["code"] == "notify.mqtt_not_set"


def test_issue14_plain_mqtt_is_refused_off_this_machine(client: TestClient, alice: User) -> None:
    body = {"url": "mqtt://192.0.2.10:1883", "topic": TOPIC, "username": None, "password": None}
    answer = client.put("/api/v1/notify/mqtt", json=body)
    assert answer.json()["error"]["code"] == "notify.target_invalid"
    wildcard = {**body, "url": "mqtts://192.0.2.10", "topic": "home/#"}
    assert client.put("/api/v1/notify/mqtt", json=wildcard).json()["error"]["code"] == (
        "notify.topic_invalid"
    )
