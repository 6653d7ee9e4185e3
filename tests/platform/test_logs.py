"""Structured logs with request ids; no secrets; personal data masked (P45)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hearthwatch.logs import JsonFormatter, MaskingFilter, mask_email, mask_ip
from tests.conftest import ADULT_BIRTH_MONTH, STRONG_PASSWORD
from tests.support.smtp import Mailbox


def test_p45_email_and_ip_masks() -> None:
    assert mask_email("write to alice.smith@example.org now") == "write to a***@e***.org now"
    assert mask_ip("from 203.0.113.77") == "from 203.0.113.0"


@pytest.fixture
def captured() -> Any:
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Collect()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    yield records
    root.removeHandler(handler)
    root.setLevel(previous)


def test_p45_logs_hold_no_password_code_or_address(
    client: TestClient, mailbox: Mailbox, captured: list[str]
) -> None:
    client.post(
        "/api/v1/auth/register",
        json={
            "email": "carol@example.org",
            "password": STRONG_PASSWORD,
            "birth_month": ADULT_BIRTH_MONTH,
        },
    )
    code = mailbox.last_code("carol@example.org")
    client.post("/api/v1/auth/confirm", json={"email": "carol@example.org", "code": code})
    login = client.post(
        "/api/v1/auth/login", json={"email": "carol@example.org", "password": STRONG_PASSWORD}
    )
    session_secret = client.cookies["hw_session"]
    text = "\n".join(captured)
    assert login.status_code == 200 and captured
    for secret in (STRONG_PASSWORD, code, session_secret, "carol@example.org"):
        assert secret not in text
    assert "c***@e***.org" in text  # the mail log line, masked


def test_every_request_logs_one_json_line_with_its_id(
    client: TestClient, captured: list[str]
) -> None:
    response = client.get("/api/v1/health", headers={"x-request-id": "trace-123"})
    assert response.headers["x-request-id"] == "trace-123"
    lines = [json.loads(line) for line in captured]
    access = [entry for entry in lines if entry["logger"] == "hearthwatch.access"]
    assert access[-1]["request_id"] == "trace-123"
    assert access[-1]["status"] == 200 and access[-1]["path"] == "/api/v1/health"


def test_hostile_request_ids_are_replaced(client: TestClient) -> None:
    response = client.get("/api/v1/health", headers={"x-request-id": 'a" injected=1'})
    assert response.headers["x-request-id"] != 'a" injected=1'


def test_secret_named_fields_are_redacted(captured: list[str]) -> None:
    logging.getLogger("hearthwatch.test").info("x", extra={"password": "hunter2", "token": "t"})
    entry = json.loads(captured[-1])
    assert entry["password"] == "[redacted]" and entry["token"] == "[redacted]"
