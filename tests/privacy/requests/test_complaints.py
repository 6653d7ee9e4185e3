"""Complaints (P27): a channel for everyone, an answer within 30 days, the authority shown.

Someone without an account (filmed by a neighbour's camera, say) complains through
`/complaints/new` or `/api/v1/privacy/complaints`; the address is proven with a mailed
code before anything is registered. A complaint is never extended past its 30 days.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.errors import Conflict
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.audit.models import AuditEntry
from hearthwatch.privacy.oversight.check import stale_records
from hearthwatch.privacy.requests import complaints
from hearthwatch.privacy.requests import service as requests
from hearthwatch.privacy.requests.models import PendingComplaint, RightsRequest
from hearthwatch.privacy.retention import service as retention
from hearthwatch.security.throttle import Throttle
from hearthwatch.settings import Settings
from tests.conftest import sign_in
from tests.factories import OPERATOR as OLGA
from tests.support.cli import hearthwatch
from tests.support.forms import csrf
from tests.support.rights_requests import verified_request
from tests.support.smtp import Mailbox

DESK = "/api/v1/privacy/operator/requests"
API = "/api/v1/privacy/complaints"
NEIGHBOUR = "Nina.Neighbour@example.com"
TEXT = "The camera on number 12 films my garden all day."


@pytest.fixture
def desk(app: FastAPI, ctx: AppContext, make_user: Any) -> Iterator[TestClient]:
    """An operator, signed in with her own client."""
    ctx.settings.operator_emails = OLGA
    make_user(OLGA)
    with TestClient(app) as operator_client:
        sign_in(operator_client, OLGA)
        yield operator_client


def complain(client: TestClient, **extra: Any) -> Any:
    return client.post(API, json={"email": NEIGHBOUR, "name": "Nina", "details": TEXT, **extra})


def registered(client: TestClient, mailbox: Mailbox) -> dict[str, Any]:
    pending = complain(client)
    assert pending.status_code == 202, pending.text
    code = mailbox.last_code(NEIGHBOUR)
    made = client.post(f"{API}/{pending.json()['id']}/verify", json={"code": code})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


# ---- no extension for a complaint, wherever it is asked ------------------------------------


def test_p27_the_core_refuses_to_extend_a_complaint(
    client: TestClient, alice: User, mailbox: Mailbox, ctx: AppContext
) -> None:
    request_id = verified_request(client, mailbox, kind="complaint")
    with ctx.db.session() as db, pytest.raises(Conflict) as refused:
        requests.extend(ctx, db, request_id=request_id, operator="olga", months=1, reason="Busy")
    assert refused.value.code == "privacy.complaint_not_extendable"
    shown = client.get(f"/api/v1/privacy/requests/{request_id}").json()
    received, due = (datetime.fromisoformat(shown[k]) for k in ("received_at", "due_at"))
    assert due == received + timedelta(days=30) and shown["status"] == "identity_verified"


def test_p27_the_operator_api_and_desk_refuse_to_extend_a_complaint(
    client: TestClient, alice: User, desk: TestClient, mailbox: Mailbox
) -> None:
    complaint = verified_request(client, mailbox, kind="complaint")
    access = verified_request(client, mailbox, kind="access")
    answer = desk.post(f"{DESK}/{complaint}/extend", json={"months": 1, "reason": "Busy."})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "privacy.complaint_not_extendable"
    page = desk.get(f"/operator/requests/{complaint}").text
    assert f"/operator/requests/{complaint}/extend" not in page
    assert "cannot be extended" in page
    assert f"/operator/requests/{access}/extend" in desk.get(f"/operator/requests/{access}").text
    token = csrf(desk, f"/operator/requests/{complaint}")
    forced = desk.post(
        f"/operator/requests/{complaint}/extend",
        data={"csrf_token": token, "months": "1", "extension_reason": "Busy."},
    )
    assert forced.status_code == 409 and "within 30 days" in forced.text
    assert client.get(f"/api/v1/privacy/requests/{complaint}").json()["extended_months"] == 0


def test_p27_the_command_line_refuses_to_extend_a_complaint(
    client: TestClient, alice: User, mailbox: Mailbox, settings: Settings
) -> None:
    complaint = verified_request(client, mailbox, kind="complaint")
    ran = hearthwatch(
        settings, "privacy", "requests", "extend", complaint, "--months", "1", "--reason", "x"
    )
    assert ran.returncode == 1 and "privacy.complaint_not_extendable" in ran.stderr


# ---- complaints without an account ---------------------------------------------------------


def test_p27_someone_without_an_account_complains_and_is_answered_within_30_days(
    client: TestClient, desk: TestClient, mailbox: Mailbox, ctx: AppContext
) -> None:
    pending = complain(client)
    assert pending.status_code == 202 and pending.json()["status"] == "code_sent"
    pending_id = pending.json()["id"]
    assert desk.get(DESK).json() == []  # nothing is registered before the code
    wrong = client.post(f"{API}/{pending_id}/verify", json={"code": "000000"})
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "auth.code_invalid"
    made = client.post(f"{API}/{pending_id}/verify", json={"code": mailbox.last_code(NEIGHBOUR)})
    assert made.status_code == 201
    complaint = made.json()
    received, due = (datetime.fromisoformat(complaint[k]) for k in ("received_at", "due_at"))
    assert due == received + timedelta(days=30)
    assert complaint["id"] in mailbox.to(NEIGHBOUR)[-1].get_content()  # its reference
    assert client.post(f"{API}/{pending_id}/verify", json={"code": "123456"}).status_code == 404

    listed = desk.get(DESK).json()
    assert [(e["id"], e["kind"], e["status"]) for e in listed] == [
        (complaint["id"], "complaint", "identity_verified")
    ]
    assert listed[0]["person"] == "N***@e***.com (no account)"
    assert NEIGHBOUR.lower() not in desk.get(DESK).text.lower()
    opened = desk.get(f"{DESK}/{complaint['id']}").json()
    assert opened["details"] == TEXT and "Nina" not in json.dumps(opened)
    desk.post(f"{DESK}/{complaint['id']}/start")
    done = desk.post(
        f"{DESK}/{complaint['id']}/complete", json={"resolution": "The owner moved the camera."}
    )
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert "The owner moved the camera." in mailbox.to(NEIGHBOUR)[-1].get_content()

    with ctx.db.session() as db:
        entries = list(db.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        assert audit.verify(db).ok
    mine = [e for e in entries if pending_id in e.details or complaint["id"] in e.details]
    assert [e.action for e in mine] == [
        "complaint.submitted", "complaint.code_sent", "request.received",
        "request.identity_verified", "complaint.registered", "personal_data.viewed",
        "request.in_progress", "request.completed",
    ]  # fmt: skip
    for entry in mine:
        assert "example.com" not in entry.details.lower() and "Nina" not in entry.details
        assert TEXT not in entry.details


def test_complaint_codes_expire_and_wrong_tries_are_limited(
    client: TestClient, mailbox: Mailbox, ctx: AppContext
) -> None:
    with ctx.clock.frozen() as clock:
        pending_id = complain(client).json()["id"]
        code = mailbox.last_code(NEIGHBOUR)
        clock.advance(timedelta(minutes=ctx.settings.request_code_minutes + 1))
        late = client.post(f"{API}/{pending_id}/verify", json={"code": code})
        assert late.json()["error"]["code"] == "auth.code_expired"
        assert client.post(f"{API}/{pending_id}/code").status_code == 202
        fresh = mailbox.last_code(NEIGHBOUR)
        for _ in range(ctx.settings.reset_code_attempts):
            client.post(f"{API}/{pending_id}/verify", json={"code": "000000"})
        spent = client.post(f"{API}/{pending_id}/verify", json={"code": fresh})
        assert spent.json()["error"]["code"] == "auth.code_attempts_exceeded"
        client.post(f"{API}/{pending_id}/code")
        clock.advance(timedelta(days=1))  # a day later the complaint must be written again
        gone = client.post(
            f"{API}/{pending_id}/verify", json={"code": mailbox.last_code(NEIGHBOUR)}
        )
        assert gone.status_code == 404
        assert gone.json()["error"]["code"] == "privacy.complaint_not_found"


def test_complaint_codes_are_throttled_per_client_and_per_address(
    client: TestClient, mailbox: Mailbox, ctx: AppContext
) -> None:
    ctx.code_throttle = Throttle(limit=2, window_s=60)
    ctx.code_throttle.hit(f"complaint:{NEIGHBOUR.lower()}")
    ctx.code_throttle.hit(f"complaint:{NEIGHBOUR.lower()}")
    held = complain(client)  # this address has had its share
    assert held.status_code == 429 and held.json()["error"]["code"] == "privacy.rate_limited"
    assert complain(client, email="someone.else@example.org").status_code == 202
    from_client = complain(client, email="third@example.org")  # this client has had its share
    assert from_client.status_code == 429
    assert mailbox.to(NEIGHBOUR) == [] and mailbox.to("third@example.org") == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"email": "not-an-address", "details": TEXT}, "request.invalid"),
        ({"details": TEXT}, "request.invalid"),
        ({"email": NEIGHBOUR, "details": "   "}, "request.invalid"),
        ({"email": NEIGHBOUR, "details": "x" * 4001}, "request.invalid"),
        ({"email": NEIGHBOUR, "details": TEXT, "name": "n" * 129}, "request.invalid"),
        ({"email": NEIGHBOUR, "details": TEXT, "account": "x"}, "request.invalid"),
    ],
)
def test_bad_complaints_get_a_coded_error(
    client: TestClient, mailbox: Mailbox, body: dict[str, Any], code: str
) -> None:
    answer = client.post(API, json=body)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == code
    assert mailbox.messages == []


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/" + "0" * 32 + "/verify", 404, "privacy.complaint_not_found"),
        ("/" + "0" * 32 + "/code", 404, "privacy.complaint_not_found"),
        ("/not-an-id/verify", 422, "request.invalid"),
    ],
)
def test_unknown_complaints_are_not_found(
    client: TestClient, path: str, status: int, code: str
) -> None:
    answer = client.post(API + path, json={"code": "123456"} if "verify" in path else None)
    assert answer.status_code == status and answer.json()["error"]["code"] == code


def test_a_complaint_says_nothing_about_who_has_an_account(
    client: TestClient, alice: User, mailbox: Mailbox
) -> None:
    """The same answer for an address with an account as for one without (no enumeration)."""
    client.cookies.clear()
    known = client.post(API, json={"email": alice.email, "details": TEXT})
    unknown = client.post(API, json={"email": "nobody@example.org", "details": TEXT})
    assert known.status_code == unknown.status_code == 202
    assert set(known.json()) == set(unknown.json())
    assert known.json()["message"] == unknown.json()["message"]


# ---- the pages -------------------------------------------------------------------------------


def test_p27_complaint_pages_for_visitors_with_the_authority_and_errors_by_their_fields(
    client: TestClient, mailbox: Mailbox, ctx: AppContext, desk: TestClient
) -> None:
    ctx.settings.supervisory_authority_name = "the Dutch Autoriteit Persoonsgegevens"
    ctx.settings.controller_email = "privacy@hearth.example"
    assert 'href="/complaints/new"' in client.get("/signin").text  # in the footer
    page = client.get("/complaints/new")
    assert page.status_code == 200 and "the Dutch Autoriteit Persoonsgegevens" in page.text
    assert "privacy@hearth.example" in page.text
    token = csrf(client, "/complaints/new")
    bad = client.post(
        "/complaints/new", data={"csrf_token": token, "email": "nope", "details": TEXT}
    )
    assert bad.status_code == 422 and 'id="email-error"' in bad.text and TEXT in bad.text
    sent = client.post(
        "/complaints/new",
        data={"csrf_token": token, "email": NEIGHBOUR, "name": "", "details": TEXT},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    code_page = sent.headers["location"]
    shown = client.get(code_page)
    assert "N***@e***.com" in shown.text and NEIGHBOUR not in shown.text
    wrong = client.post(f"{code_page}/verify", data={"csrf_token": token, "code": "000000"})
    assert wrong.status_code == 422 and 'id="code-error"' in wrong.text
    resent = client.post(f"{code_page}/code", data={"csrf_token": token}, follow_redirects=False)
    assert resent.status_code == 303 and "code_sent" in resent.headers["location"]
    code = mailbox.last_code(NEIGHBOUR)
    done = client.post(
        f"{code_page}/verify", data={"csrf_token": token, "code": f"{code[:3]} {code[3:]}"}
    )
    assert done.status_code == 200 and "your complaint is registered" in done.text
    assert [e["kind"] for e in desk.get(DESK).json()] == ["complaint"]
    assert client.get(code_page).status_code == 404  # registered: no longer waiting


# ---- retention, check and erasure follow the data map ---------------------------------------


def test_complaints_without_an_account_follow_their_declared_retention(
    ctx: AppContext, mailbox: Mailbox
) -> None:
    start = datetime(2031, 3, 1, 9, tzinfo=UTC)
    with ctx.clock.frozen(start) as clock:
        with ctx.db.session() as db:
            abandoned = complaints.submit(ctx, db, email="a@example.org", name=None, details="x")
            kept = complaints.submit(ctx, db, email="b@example.org", name="B", details="y")
        with ctx.db.session() as db:
            made = complaints.verify(
                ctx, db, pending_id=kept.id, code=mailbox.last_code("b@example.org")
            )
            requests.complete(ctx, db, request_id=made.id, operator="olga", resolution="Done.")
        clock.advance(timedelta(days=10))
        with ctx.db.session() as db:
            stale = {f.subject for f in stale_records(db, ctx.clock.now())}
        assert "pending_complaints.created_at" in stale  # `hearthwatch privacy check` sees it
        assert retention.sweep(ctx).deleted.get("pending_complaints") == 1
        with ctx.db.session() as db:
            assert db.get(PendingComplaint, abandoned.id) is None
            assert db.get(RightsRequest, made.id) is not None  # answered: kept 3 years
        clock.advance(timedelta(days=1097))
        assert retention.sweep(ctx).deleted.get("rights_requests") == 1
        with ctx.db.session() as db:
            assert db.scalar(select(func.count()).select_from(RightsRequest)) == 0
