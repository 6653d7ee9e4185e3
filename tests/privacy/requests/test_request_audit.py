"""Item 17: every step of a rights request is in the audit log, by identifiers only.

Each state a request can reach, each identity code mailed for it (the first and every
resend) and each reminder the operator gets (by hand or from the scheduler) leaves one
entry naming the request; none holds a code, an address or what anyone wrote.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.jobs.catalog import periodic_jobs
from hearthwatch.jobs.scheduler import Scheduler
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.audit.models import AuditEntry
from hearthwatch.privacy.requests import service as requests
from tests.support.rights_requests import ALICE, make_request
from tests.support.smtp import Mailbox

API = "/api/v1/privacy/requests"
DETAILS = "My activation date is wrong."


def _entries(ctx: AppContext) -> list[AuditEntry]:
    with ctx.db.session() as db:
        return list(db.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def _new_entries(ctx: AppContext, step: Callable[[], object]) -> list[AuditEntry]:
    before = len(_entries(ctx))
    step()
    return _entries(ctx)[before:]


def _as_operator(ctx: AppContext, change: Callable[[Session], object]) -> Callable[[], object]:
    def run() -> object:
        with ctx.db.session() as db:
            return change(db)

    return run


def test_item17_every_state_and_every_code_sent_of_a_request_leaves_an_entry(
    client: TestClient, alice: User, mailbox: Mailbox, ctx: AppContext
) -> None:
    made: dict[str, str] = {}

    def submit() -> None:
        made["first"] = make_request(client).json()["id"]

    def submit_other() -> None:
        made["second"] = make_request(client, "access").json()["id"]

    def verify() -> None:
        code = mailbox.last_code(ALICE)
        client.post(f"{API}/{made['first']}/verify", json={"code": code})

    first = lambda: made["first"]  # noqa: E731 (read once the request exists)
    walk: list[tuple[str, Callable[[], object], list[str]]] = [
        ("submit", submit, ["request.received", "request.code_sent"]),
        ("resend", lambda: client.post(f"{API}/{first()}/code"), ["request.code_sent"]),
        ("verify", verify, ["request.identity_verified"]),
        ("start", _as_operator(ctx, lambda db: requests.start(
            ctx, db, request_id=first(), operator="olga")), ["request.in_progress"]),
        ("charge", _as_operator(ctx, lambda db: requests.charge(
            ctx, db, request_id=first(), operator="olga", fee_cents=500, reason="Copies.")),
         ["request.fee_asked"]),
        ("extend", _as_operator(ctx, lambda db: requests.extend(
            ctx, db, request_id=first(), operator="olga", months=1, reason="Archive.")),
         ["request.extended"]),
        ("complete", _as_operator(ctx, lambda db: requests.complete(
            ctx, db, request_id=first(), operator="olga", resolution="Fixed.")),
         ["request.completed"]),
        ("submit another", submit_other, ["request.received", "request.code_sent"]),
        ("refuse", _as_operator(ctx, lambda db: requests.refuse(
            ctx, db, request_id=made["second"], operator="olga", reason="Unfounded.")),
         ["request.refused"]),
    ]  # fmt: skip
    statuses: set[str] = set()
    for name, step, expected in walk:
        entries = _new_entries(ctx, step)
        assert [e.action for e in entries] == expected, name
        for entry in entries:
            details = json.loads(entry.details)
            assert details["request_id"] in made.values(), name
            assert entry.subject_id == alice.id, name
            statuses.add(details["status"])
    assert statuses == requests.OPEN_STATES | {requests.COMPLETED, requests.REFUSED}

    codes = {m.get_content().split("enter the code ")[1][:6] for m in mailbox.to(ALICE)
             if "request code" in m["Subject"]}  # fmt: skip
    assert len(codes) >= 2
    for entry in _entries(ctx):
        assert "@" not in entry.details and DETAILS not in entry.details
        assert not any(code in entry.details for code in codes)
    with ctx.db.session() as db:
        assert audit.verify(db).ok


def test_item17_reminders_from_the_scheduler_are_audited(
    client: TestClient, alice: User, mailbox: Mailbox, ctx: AppContext
) -> None:
    ctx.settings.privacy_operator_email = "dpo@example.org"
    reminders = [job for job in periodic_jobs() if job.name == "privacy.request_reminders"]
    with ctx.clock.frozen() as clock:
        request_id = make_request(client).json()["id"]
        clock.advance(timedelta(days=26))
        entries = _new_entries(ctx, Scheduler(ctx, reminders, node="n1").run_due)
    reminded = [e for e in entries if e.action == "request.operator_reminded"]
    assert len(reminded) == 1 and reminded[0].actor == audit.SYSTEM
    assert reminded[0].subject_id == alice.id
    assert json.loads(reminded[0].details) == {
        "request_id": request_id, "kind": "rectification", "status": "received",
        "overdue": False, "mailed": True,
    }  # fmt: skip
    assert request_id in mailbox.to("dpo@example.org")[-1].get_content()
    with ctx.db.session() as db:  # reminded today: no second mail, no second entry
        assert _new_entries(ctx, lambda: requests.remind(ctx, db)) == []
