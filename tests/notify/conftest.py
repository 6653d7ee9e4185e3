"""Fixtures of the notification tests: the signed-in owner's camera, events with a picture
(stored as the detector stores them), the local push service, and the dispatcher."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.events.models import Event
from hearthwatch.events.thumbnails import store_thumbnail
from hearthwatch.notify.dispatch import Dispatcher
from tests.factories import add_camera
from tests.support.push_endpoint import LocalSubscription, PushEndpoint

AddEvent = Callable[..., str]


def picture() -> bytes:
    """A small real JPEG, as the detector makes one."""
    image = np.full((90, 160, 3), 80, dtype=np.uint8)
    image[20:60, 40:120] = (30, 160, 220)
    ok, encoded = cv2.imencode(".jpg", image)
    assert ok
    return bytes(encoded.tobytes())


@pytest.fixture
def camera_id(ctx: AppContext, alice: User) -> str:
    return add_camera(ctx, alice.id, name="Porch")


@pytest.fixture
def add_event(ctx: AppContext) -> AddEvent:
    """Factory: an event opened now on a camera (with its picture unless `thumbnail=False`)."""

    def factory(camera_id: str, *, zones: tuple[str, ...] = (), thumbnail: bool = True,
                kind: str = "motion") -> str:  # fmt: skip
        now_us = int(ctx.clock.now().timestamp() * 1_000_000)
        with ctx.db.session() as db:
            owner = str(db.scalar(_owner_query(camera_id)))
            event = Event(camera_id=camera_id, owner_id=owner, kind=kind, start_us=now_us,
                          last_active_us=now_us, peak_score=0.4, zones=json.dumps(list(zones)),
                          span_start_us=now_us - 5_000_000)  # fmt: skip
            db.add(event)
            db.flush()
            if thumbnail:
                event.thumbnail_key = store_thumbnail(ctx.vault, owner_id=owner,
                    camera_id=camera_id, event_id=event.id, jpeg=picture())  # fmt: skip
            return event.id

    return factory


def _owner_query(camera_id: str) -> Any:
    from sqlalchemy import select

    from hearthwatch.devices.models import Camera

    return select(Camera.owner_id).where(Camera.id == camera_id)


@pytest.fixture
def push_service() -> Iterator[PushEndpoint]:
    with PushEndpoint() as service:
        yield service


@pytest.fixture
def browser_push(client: TestClient, alice: User, push_service: PushEndpoint) -> LocalSubscription:
    """Alice's browser with push turned on through the API."""
    subscription = push_service.subscribe()
    answer = client.post("/api/v1/notify/push/subscriptions", json=subscription.as_json())
    assert answer.status_code == 201, answer.text
    return subscription


@pytest.fixture
def dispatcher(ctx: AppContext) -> Iterator[Dispatcher]:
    """The node's dispatcher, running its thread and wired in as the event sink."""
    running = Dispatcher(ctx).start()
    ctx.event_sink = running
    yield running
    running.stop()
    ctx.event_sink = None


def history(client: TestClient) -> list[dict[str, Any]]:
    answer = client.get("/api/v1/notify/history")
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def wait_until(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """The first truthy value of `check()`, polled until `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out waiting")
