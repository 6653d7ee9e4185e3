"""The operator's privacy commands: requests (P25-P27), statistics, audited viewing."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.privacy.audit import service as audit
from hearthwatch.settings import Settings
from tests.conftest import STRONG_PASSWORD
from tests.support.cli import hearthwatch
from tests.support.smtp import Mailbox


def test_operator_answers_a_request_from_the_command_line(
    client: TestClient, alice: User, mailbox: Mailbox, settings: Settings, ctx: AppContext
) -> None:
    body = {"kind": "access", "details": "What does the log say?", "password": STRONG_PASSWORD}
    request_id = client.post("/api/v1/privacy/requests", json=body).json()["id"]
    code = mailbox.last_code("alice@example.org")
    client.post(f"/api/v1/privacy/requests/{request_id}/verify", json={"code": code})
    listed = hearthwatch(settings, "privacy", "requests", "list", "--open", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [r["id"] for r in json.loads(listed.stdout)] == [request_id]
    shown = hearthwatch(settings, "privacy", "requests", "show", request_id, "--operator", "olga")
    assert "What does the log say?" in shown.stdout
    done = hearthwatch(
        settings, "privacy", "requests", "complete", request_id, "--operator", "olga",
        "--resolution", "Sent you the entries.",
    )  # fmt: skip
    assert done.returncode == 0 and "completed" in done.stdout
    again = hearthwatch(settings, "privacy", "requests", "refuse", request_id, "--reason", "x")
    assert again.returncode == 1 and "privacy.request_closed" in again.stderr
    with ctx.db.session() as db:
        entries = audit.entries_about(db, alice.id)
        viewed = [e for e in entries if e.action == "personal_data.viewed"]
        assert viewed and viewed[0].actor == "operator:olga"
        assert audit.verify(db).ok


def test_statistics_command_prints_only_aggregates(settings: Settings, make_user: object) -> None:
    shown = hearthwatch(settings, "privacy", "stats", "--json")
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert report["people"] is None  # nobody consented: nothing to show
    assert "@" not in shown.stdout
