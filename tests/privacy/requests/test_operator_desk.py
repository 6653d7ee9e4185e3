"""The operator's side of rights requests through the API and the web pages (P25, P26, P27).

Operators are accounts listed in HEARTHWATCH_OPERATOR_EMAILS (or the privacy operator's
address). They list, open and answer requests; everyone else is refused with
`operator.required`. The requester is shown masked (P45) and every opening is audited.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from hearthwatch.access.operators import is_operator
from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.requests import service as requests
from hearthwatch.settings import Settings
from tests.conftest import sign_in
from tests.factories import OPERATOR
from tests.support.forms import csrf
from tests.support.rights_requests import ALICE, make_request, verified_request
from tests.support.smtp import Mailbox

OLGA = OPERATOR  # the operator of the `olga` fixture (tests/privacy/conftest.py)
DESK = "/api/v1/privacy/operator/requests"


def test_p25_operator_lists_opens_and_answers_a_request_through_the_api(
    client: TestClient, alice: User, olga: tuple[User, TestClient], mailbox: Mailbox,
    ctx: AppContext,
) -> None:  # fmt: skip
    operator, desk = olga
    request_id = verified_request(client, mailbox)

    listed = desk.get(DESK).json()
    assert [e["id"] for e in listed] == [request_id]
    assert listed[0]["person"] == "a***@e***.org"  # masked (P45), never the address itself
    assert ALICE not in desk.get(DESK).text and listed[0]["status"] == "identity_verified"

    opened = desk.get(f"{DESK}/{request_id}")
    assert opened.status_code == 200
    assert opened.json()["details"] == "My activation date is wrong."
    with ctx.db.session() as db:
        seen = [e for e in audit.entries_about(db, alice.id) if e.action == "personal_data.viewed"]
    assert [e.actor for e in seen] == [f"operator:account-{operator.id}"]

    started = desk.post(f"{DESK}/{request_id}/start")
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    extended = desk.post(
        f"{DESK}/{request_id}/extend", json={"months": 1, "reason": "  Archive search.  "}
    )
    assert extended.status_code == 200, extended.text
    assert extended.json()["extension_reason"] == "Archive search."
    assert "Archive search." in mailbox.to(ALICE)[-1].get_content()
    done = desk.post(f"{DESK}/{request_id}/complete", json={"resolution": "Date corrected."})
    assert done.status_code == 200 and done.json()["status"] == "completed"

    # The person sees each step and the answer in their own view.
    own = client.get(f"/api/v1/privacy/requests/{request_id}").json()
    assert own["resolution"] == "Date corrected."
    assert [s["status"] for s in own["steps"]][-3:] == ["in_progress", "extended", "completed"]
    # Closed requests leave the open list but stay in "all", and cannot change again.
    assert desk.get(DESK).json() == []
    assert [e["status"] for e in desk.get(DESK, params={"state": "all"}).json()] == ["completed"]
    again = desk.post(f"{DESK}/{request_id}/refuse", json={"reason": "Too late."})
    assert again.status_code == 409 and again.json()["error"]["code"] == "privacy.request_closed"
    with ctx.db.session() as db:
        assert audit.verify(db).ok
        actions = [e.action for e in audit.entries_about(db, alice.id)]
    assert {"request.in_progress", "request.extended", "request.completed"} <= set(actions)


def test_p26_operator_charges_or_refuses_with_the_reason_shown(
    client: TestClient, alice: User, olga: tuple[User, TestClient], mailbox: Mailbox
) -> None:
    _, desk = olga
    first = verified_request(client, mailbox, "access")
    second = verified_request(client, mailbox, "access")
    entries = {e["id"]: e for e in desk.get(DESK).json()}
    assert entries[second]["repeat_of"] == first
    charged = desk.post(
        f"{DESK}/{second}/charge", json={"fee_cents": 1250, "reason": "Third copy this month."}
    )
    assert charged.status_code == 200 and charged.json()["fee_cents"] == 1250
    refused = desk.post(f"{DESK}/{first}/refuse", json={"reason": "Manifestly unfounded."})
    assert refused.status_code == 200
    own = client.get(f"/api/v1/privacy/requests/{first}").json()
    assert own["status"] == "refused" and own["refusal_reason"] == "Manifestly unfounded."
    assert client.get(f"/api/v1/privacy/requests/{second}").json()["fee_reason"] == (
        "Third copy this month."
    )


def test_p25_unverified_request_cannot_start_but_can_be_refused(
    client: TestClient, alice: User, olga: tuple[User, TestClient]
) -> None:
    _, desk = olga
    request_id = make_request(client).json()["id"]
    early = desk.post(f"{DESK}/{request_id}/start")
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "privacy.identity_unverified"
    refused = desk.post(f"{DESK}/{request_id}/refuse", json={"reason": "Identity never confirmed."})
    assert refused.status_code == 200 and refused.json()["status"] == "refused"


def test_only_operators_reach_the_desk(
    client: TestClient, alice: User, app: FastAPI, ctx: AppContext, make_user: Any,
    mailbox: Mailbox,
) -> None:  # fmt: skip
    request_id = verified_request(client, mailbox)
    for method, path in [
        ("GET", DESK), ("GET", f"{DESK}/{request_id}"), ("POST", f"{DESK}/{request_id}/start"),
    ]:  # fmt: skip
        refused = client.request(method, path)
        assert refused.status_code == 403, path
        assert refused.json()["error"]["code"] == "operator.required"
    with TestClient(app) as visitor:
        assert visitor.get(DESK).status_code == 401
    # The privacy operator's address holds the role too; an unconfirmed account never does.
    ctx.settings.privacy_operator_email = "Privacy@Example.net"
    make_user("privacy@example.net")
    with TestClient(app) as privacy_desk:
        sign_in(privacy_desk, "privacy@example.net")
        assert privacy_desk.get(DESK).status_code == 200
    ctx.settings.operator_emails = ALICE
    with ctx.db.session() as db:
        listed = db.get(User, alice.id)
        assert listed is not None and is_operator(ctx.settings, listed)
        listed.email_confirmed_at = None
        assert not is_operator(ctx.settings, listed)


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/" + "0" * 32 + "/start", None, "privacy.request_not_found"),
        ("/not-an-id/start", None, "request.invalid"),
        ("/{id}/extend", {"months": 3, "reason": "x"}, "request.invalid"),
        ("/{id}/extend", {"months": 1, "reason": "   "}, "request.invalid"),
        ("/{id}/charge", {"fee_cents": 0, "reason": "x"}, "request.invalid"),
        ("/{id}/charge", {"fee_cents": 10**6, "reason": "x"}, "request.invalid"),
        ("/{id}/complete", {"resolution": "ok", "extra": 1}, "request.invalid"),
        ("/{id}/complete", {}, "request.invalid"),
        ("/{id}/refuse", {"reason": "x" * 4001}, "request.invalid"),
    ],
)
def test_bad_input_on_the_desk_gets_a_coded_error(
    client: TestClient, alice: User, olga: tuple[User, TestClient], mailbox: Mailbox,
    path: str, body: Any, code: str,
) -> None:  # fmt: skip
    _, desk = olga
    request_id = verified_request(client, mailbox)
    answer = desk.post(DESK + path.replace("{id}", request_id), json=body)
    assert answer.status_code == (404 if code.endswith("not_found") else 422), answer.text
    assert answer.json()["error"]["code"] == code
    assert desk.get(f"{DESK}/{request_id}").json()["status"] == "identity_verified"


def test_the_desk_rejects_a_bad_state_filter(olga: tuple[User, TestClient]) -> None:
    _, desk = olga
    assert desk.get(DESK, params={"state": "closed"}).status_code == 422


def test_overdue_requests_come_first_and_are_flagged(
    client: TestClient, alice: User, olga: tuple[User, TestClient], mailbox: Mailbox,
    ctx: AppContext,
) -> None:  # fmt: skip
    _, desk = olga
    late = verified_request(client, mailbox, "access")
    fresh = verified_request(client, mailbox, "erasure")
    with ctx.db.session() as db:
        request = requests.get(db, late)
        request.due_at = ctx.clock.now() - timedelta(days=1)
    listed = desk.get(DESK).json()
    assert [(e["id"], e["overdue"]) for e in listed] == [(late, True), (fresh, False)]


# ---- the web pages ---------------------------------------------------------------------


def test_p25_operator_answers_through_the_desk_pages(
    client: TestClient, alice: User, olga: tuple[User, TestClient], mailbox: Mailbox
) -> None:
    _, desk = olga
    request_id = verified_request(client, mailbox)
    home = desk.get("/")
    assert 'href="/operator/requests"' in home.text  # operators get the desk in the menu
    assert 'href="/operator/requests"' not in client.get("/").text

    listing = desk.get("/operator/requests")
    assert listing.status_code == 200 and "a***@e***.org" in listing.text
    assert ALICE not in listing.text and f"/operator/requests/{request_id}" in listing.text

    page = f"/operator/requests/{request_id}"
    token = csrf(desk, page)
    empty = desk.post(f"{page}/complete", data={"csrf_token": token, "resolution": " "})
    assert empty.status_code == 422 and "Write the answer the person will read." in empty.text
    bad_fee = desk.post(
        f"{page}/charge", data={"csrf_token": token, "fee": "12.345", "fee_reason": "Repeat."}
    )
    assert bad_fee.status_code == 422 and "like 12.50" in bad_fee.text
    assert 'value="12.345"' in bad_fee.text  # what was typed is kept
    forged = desk.post(f"{page}/start", data={"csrf_token": "forged"})
    assert forged.status_code == 403

    started = desk.post(f"{page}/start", data={"csrf_token": token}, follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"].endswith("request_started")
    desk.post(f"{page}/charge", data={"csrf_token": token, "fee": "7,5", "fee_reason": "Copies."})
    answered = desk.post(
        f"{page}/complete", data={"csrf_token": token, "resolution": "Corrected to 3 May."}
    )
    assert answered.status_code == 200 and "The request is completed" in answered.text
    own = client.get(f"/api/v1/privacy/requests/{request_id}").json()
    assert own["status"] == "completed" and own["fee_cents"] == 750
    assert own["resolution"] == "Corrected to 3 May."


def test_the_desk_pages_refuse_everyone_but_operators(
    client: TestClient, alice: User, mailbox: Mailbox, app: FastAPI
) -> None:
    request_id = verified_request(client, mailbox)
    assert client.get("/operator/requests").status_code == 403
    shown = client.get(f"/operator/requests/{request_id}")
    assert shown.status_code == 403 and "My activation date" not in shown.text
    token = csrf(client, "/privacy/requests")
    tried = client.post(f"/operator/requests/{request_id}/start", data={"csrf_token": token})
    assert tried.status_code == 403
    assert client.get(f"/api/v1/privacy/requests/{request_id}").json()["status"] == (
        "identity_verified"
    )
    with TestClient(app) as visitor:
        away = visitor.get("/operator/requests", follow_redirects=False)
        assert away.status_code == 303 and away.headers["location"].startswith("/signin")


def test_unknown_request_page_is_not_found(olga: tuple[User, TestClient]) -> None:
    _, desk = olga
    assert desk.get("/operator/requests/" + "0" * 32).status_code == 404
    assert desk.get("/operator/requests/../../etc").status_code == 404


def test_operator_addresses_are_checked_at_start_up(tmp_path: Any) -> None:
    listed = Settings(data_dir=tmp_path, operator_emails=" Olga@Example.net , ,b@example.org")
    assert listed.operator_emails == "olga@example.net,b@example.org"
    with pytest.raises(ValidationError, match="not an e-mail address"):
        Settings(data_dir=tmp_path, operator_emails="olga@example.net,nobody")


def test_p44_operators_get_statistics_audit_and_privacy_check_over_the_api(
    client: TestClient, alice: User, olga: tuple[User, TestClient], mailbox: Mailbox,
    ctx: AppContext,
) -> None:  # fmt: skip
    _, desk = olga
    verified_request(client, mailbox)
    figures = desk.get("/api/v1/privacy/operator/statistics")
    assert figures.status_code == 200
    assert figures.json()["people"] is None  # fewer than the minimum group: suppressed
    checked = desk.get("/api/v1/privacy/operator/audit").json()
    assert checked["ok"] and checked["entries"] >= 2 and checked["problems"] == []
    head = checked["head_hash"]
    assert desk.get("/api/v1/privacy/operator/audit", params={"expect_head": head}).json()["ok"]
    rewritten = desk.get("/api/v1/privacy/operator/audit", params={"expect_head": "a" * 64})
    assert rewritten.json()["ok"] is False
    assert desk.get("/api/v1/privacy/operator/audit", params={"expect_head": "x"}).status_code == (
        422
    )
    report = desk.get("/api/v1/privacy/operator/check")
    assert report.status_code == 200 and report.json() == {"ok": True, "findings": []}
    for path in ("statistics", "audit", "check"):
        refused = client.get(f"/api/v1/privacy/operator/{path}")
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "operator.required"
