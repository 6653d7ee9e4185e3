"""Issue 14 item 7: Web Push (RFC 8030/8291, VAPID) against a real local push service that
receives and decrypts each message; P15: the picture's link only with images on."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.notify.dispatch import Dispatcher
from tests.notify.conftest import AddEvent, history, wait_until
from tests.support.push_endpoint import LocalSubscription, PushEndpoint


def test_issue14_an_opened_event_reaches_the_browser_decrypted_with_vapid(
    client: TestClient, ctx: AppContext, camera_id: str, add_event: AddEvent,
    browser_push: LocalSubscription, push_service: PushEndpoint, dispatcher: Dispatcher,
) -> None:  # fmt: skip
    key = client.get("/api/v1/notify/push/key").json()["public_key"]
    event_id = add_event(camera_id)
    opened = time.monotonic()
    assert ctx.event_sink is not None
    ctx.event_sink.event_opened(event_id)
    push = push_service.wait_for(browser_push)
    assert time.monotonic() - opened < 2.0
    body = push.json()
    assert body["title"] == "Motion: Porch"
    assert (body["event_id"], body["camera_id"]) == (event_id, camera_id)
    assert body["image"].startswith("http://127.0.0.1:8080/api/v1/notify/image/")
    assert push.vapid_key == key  # signed with the installation's VAPID key
    assert push.headers["urgency"] == "high" and int(push.headers["ttl"]) > 0
    item = wait_until(lambda: [i for i in history(client) if i["deliveries"]
                               and i["deliveries"][0]["status"] == "sent"])[0]  # fmt: skip
    assert item["event_id"] == event_id and item["suppressed_reason"] is None


def test_p15_with_images_off_the_push_carries_no_picture_link(
    client: TestClient, ctx: AppContext, camera_id: str, add_event: AddEvent,
    browser_push: LocalSubscription, push_service: PushEndpoint, dispatcher: Dispatcher,
) -> None:  # fmt: skip
    prefs = client.get("/api/v1/notify/preferences").json()
    assert (
        client.put("/api/v1/notify/preferences", json={**prefs, "images": False}).status_code == 200
    )
    dispatcher.handle(add_event(camera_id))
    body = push_service.wait_for(browser_push).json()
    assert "image" not in body
    assert "/notify/image/" not in push_service.wait_for(browser_push).payload.decode()


def test_issue14_a_subscription_the_push_service_says_is_gone_is_deleted(
    client: TestClient, camera_id: str, add_event: AddEvent, browser_push: LocalSubscription,
    push_service: PushEndpoint, dispatcher: Dispatcher,
) -> None:  # fmt: skip
    push_service.answer(browser_push, 410)
    dispatcher.handle(add_event(camera_id))
    assert client.get("/api/v1/notify/push/subscriptions").json() == []
    push = [d for d in history(client)[0]["deliveries"] if d["channel"] == "push"]
    assert push[0]["status"] == "failed" and "410" in push[0]["error"]


def test_issue14_push_subscriptions_are_validated_and_removable(
    client: TestClient, alice: User, push_service: PushEndpoint
) -> None:
    made = push_service.subscribe().as_json()
    answer = client.post("/api/v1/notify/push/subscriptions", json=made)
    assert answer.status_code == 201
    listed = client.get("/api/v1/notify/push/subscriptions").json()
    assert [s["endpoint_host"] for s in listed] == ["127.0.0.1"]
    bad_keys = {**made, "keys": {"p256dh": "A" * 20, "auth": made["keys"]["auth"]}}
    refused = client.post("/api/v1/notify/push/subscriptions", json=bad_keys)
    assert refused.json()["error"]["code"] == "notify.push_keys_invalid"
    internal = {**made, "endpoint": "http://169.254.169.254/push/x"}
    refused = client.post("/api/v1/notify/push/subscriptions", json=internal)
    assert refused.json()["error"]["code"] == "notify.target_invalid"
    metadata = {**made, "endpoint": "https://169.254.169.254/push/x"}
    refused = client.post("/api/v1/notify/push/subscriptions", json=metadata)
    assert refused.json()["error"]["code"] == "notify.target_forbidden"
    removed = client.delete(f"/api/v1/notify/push/subscriptions/{answer.json()['id']}")
    assert removed.status_code == 204
    assert client.get("/api/v1/notify/push/subscriptions").json() == []
