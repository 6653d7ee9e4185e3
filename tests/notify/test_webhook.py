"""Issue 14 item 7: webhooks against a real local HTTP receiver that checks the HMAC; a
failing one is retried with back-off through the job runner and, after repeated failure,
switched off with a notice (a mail and an entry in the history)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.jobs.models import QueuedJob
from hearthwatch.notify.delivery import DISABLE_AFTER
from hearthwatch.notify.dispatch import Dispatcher
from tests.notify.conftest import AddEvent, history, wait_until
from tests.support.smtp import Mailbox


@dataclass
class Receiver:
    """A webhook receiver that verifies each signature with the secret it was given."""

    status: int = 200
    secret: str = ""
    verified: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0
    calls: int = 0
    url: str = ""

    def take(self, headers: dict[str, str], body: bytes) -> int:
        self.calls += 1
        stamp = headers.get("x-hearthwatch-timestamp", "")
        mac = hmac.new(self.secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
        if not hmac.compare_digest(headers.get("x-hearthwatch-signature", ""),
                                   f"sha256={mac.hexdigest()}"):  # fmt: skip
            self.refused += 1
            return 401
        if self.status < 300:
            self.verified.append(json.loads(body))
        return self.status


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            status = found.take({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    found.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield found
    server.shutdown()
    server.server_close()


@pytest.fixture
def hook(client: TestClient, alice: User, receiver: Receiver) -> dict[str, Any]:
    made = client.post("/api/v1/notify/webhooks", json={"url": receiver.url})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    receiver.secret = body["secret"]
    return body


def test_issue14_a_webhook_gets_the_alert_signed_with_its_secret(
    client: TestClient, camera_id: str, add_event: AddEvent, receiver: Receiver,
    hook: dict[str, Any], dispatcher: Dispatcher,
) -> None:  # fmt: skip
    assert hook["secret"].startswith("whsec_") and hook["enabled"]
    assert "secret" not in client.get("/api/v1/notify/webhooks").json()[0]  # shown once
    event_id = add_event(camera_id)
    dispatcher.handle(event_id)
    (alert,) = receiver.verified
    assert (alert["event_id"], alert["camera_id"], alert["title"]) == (event_id, camera_id,
                                                                      "Motion: Porch")  # fmt: skip
    assert receiver.refused == 0
    hooks = [d for d in history(client)[0]["deliveries"] if d["channel"] == "webhook"]
    assert hooks[0]["status"] == "sent"


def _deliveries(client: TestClient) -> list[dict[str, Any]]:
    alert = next(i for i in history(client) if i["kind"] == "alert.security")
    return [d for d in alert["deliveries"] if d["channel"] == "webhook"]


def _job_idle(ctx: AppContext) -> bool:
    with ctx.db.session() as db:
        states = list(db.scalars(select(QueuedJob.state).where(QueuedJob.kind == "notify.deliver")))
    return "running" not in states


def test_issue14_a_failing_webhook_is_retried_with_back_off_then_switched_off_with_a_notice(
    client: TestClient, ctx: AppContext, alice: User, camera_id: str, add_event: AddEvent,
    receiver: Receiver, hook: dict[str, Any], dispatcher: Dispatcher, mailbox: Mailbox,
) -> None:  # fmt: skip
    receiver.status = 503
    with ctx.clock.frozen() as frozen:
        dispatcher.handle(add_event(camera_id))
        assert receiver.calls == 1 and _deliveries(client)[0]["status"] == "retrying"
        for attempt in range(2, DISABLE_AFTER + 1):
            frozen.advance(timedelta(seconds=5))  # not due yet: back-off of 10 s at least
            assert receiver.calls == attempt - 1
            frozen.advance(timedelta(minutes=15))
            wait_until(lambda n=attempt: receiver.calls == n and _job_idle(ctx))
            assert _deliveries(client)[0]["attempts"] == attempt
    assert _deliveries(client)[0]["status"] == "disabled"
    (listed,) = client.get("/api/v1/notify/webhooks").json()
    assert not listed["enabled"] and listed["failures"] == DISABLE_AFTER
    notice = [i for i in history(client) if i["kind"] == "notify.channel_off"]
    assert notice and notice[0]["deliveries"][0]["status"] == "sent"
    (mail,) = [m for m in mailbox.to(alice.email) if m["Subject"] == "A webhook was switched off"]
    assert mail["List-Unsubscribe"] is None
    # Turned back on, it gets the next alert.
    receiver.status = 200
    again = client.post(f"/api/v1/notify/webhooks/{hook['id']}/enable")
    assert again.json()["enabled"] and again.json()["failures"] == 0
    dispatcher.handle(add_event(camera_id, zones=("z2",)))
    assert len(receiver.verified) == 1


def test_issue14_webhook_addresses_go_through_the_outbound_policy(
    client: TestClient, alice: User
) -> None:
    for url, code in (
        ("ftp://example.org/x", "notify.target_invalid"),
        ("http://example.org/hook", "notify.target_invalid"),  # plain text off loopback
        ("https://169.254.169.254/latest", "notify.target_forbidden"),
        ("https://user:pw@example.org/hook", "notify.target_invalid"),
    ):
        answer = client.post("/api/v1/notify/webhooks", json={"url": url})
        assert answer.status_code == 422 and answer.json()["error"]["code"] == code, url
    assert client.delete("/api/v1/notify/webhooks/" + "0" * 32).status_code == 404
