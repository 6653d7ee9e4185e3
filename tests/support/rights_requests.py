"""Filing a rights request (P17-P23, P25) the way a signed-in person does through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import STRONG_PASSWORD
from tests.support.smtp import Mailbox

ALICE = "alice@example.org"  # the `alice` fixture's address
REQUESTS = "/api/v1/privacy/requests"


def make_request(client: TestClient, kind: str = "rectification", **extra: Any) -> Any:
    """Post a request of `kind` (confirmed with the password); returns the response."""
    body = {"kind": kind, "details": "My activation date is wrong.", "password": STRONG_PASSWORD}
    return client.post(REQUESTS, json={**body, **extra})


def verified_request(
    client: TestClient, mailbox: Mailbox, kind: str = "rectification", email: str = ALICE
) -> str:
    """A request of `kind` whose mailed code was entered; returns its id."""
    made = make_request(client, kind)
    assert made.status_code == 201, made.text
    request_id: str = made.json()["id"]
    code = mailbox.last_code(email)
    answer = client.post(f"{REQUESTS}/{request_id}/verify", json={"code": code})
    assert answer.status_code == 200, answer.text
    return request_id
