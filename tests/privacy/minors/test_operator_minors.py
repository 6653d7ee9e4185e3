"""P4 (item 14), the operator's side: accounts held for a guardian's consent, listed masked
and cleared as 16+ with a reason, through the API and the web page; each clearing audited."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.privacy.audit.models import AuditEntry
from hearthwatch.settings import Settings
from tests.support.cli import hearthwatch
from tests.support.forms import csrf
from tests.support.minors import CHILD, REPORT, confirm_report, login

HELD = "/api/v1/privacy/operator/minors"


@pytest.fixture
def reported(client: TestClient, make_user: Any, ctx: AppContext) -> User:
    """A child's account, reported, confirmed by an operator, and so on hold."""
    child: User = make_user(CHILD)
    assert client.post(REPORT, json={"email": CHILD}).status_code == 202
    confirm_report(ctx)
    assert login(client).json()["error"]["code"] == "auth.guardian_consent_pending"
    return child


def shown_adult(ctx: AppContext, user_id: str) -> list[AuditEntry]:
    with ctx.db.session() as db:
        query = select(AuditEntry).where(
            AuditEntry.subject_id == user_id, AuditEntry.action == "minors.shown_adult"
        )
        found = list(db.scalars(query))
        db.expunge_all()
    return found


def test_p4_operator_lists_held_accounts_masked_and_clears_one_over_the_api(
    client: TestClient, ctx: AppContext, reported: User,
    olga: tuple[User, TestClient],
) -> None:  # fmt: skip
    operator, desk = olga
    listed = desk.get(HELD)
    assert listed.status_code == 200
    (entry,) = listed.json()
    assert entry["account_id"] == reported.id and entry["account"] == "k***@e***.org"
    assert (entry["reason"], entry["guardian"]) == ("reported", None)
    assert CHILD not in listed.text
    assert desk.get(HELD, params={"reason": "sign_up"}).json() == []
    assert len(desk.get(HELD, params={"reason": "reported"}).json()) == 1

    cleared = desk.post(
        f"{HELD}/{reported.id}/clear",
        json={"reason": "  Passport shown; mail was kit@example.org "},
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json() == {"account_id": reported.id, "decision": "adult"}
    assert login(client).status_code == 200
    assert desk.get(HELD).json() == []
    (entry_written,) = shown_adult(ctx, reported.id)
    assert entry_written.actor == f"operator:account-{operator.id}"
    note = json.loads(entry_written.details)["note"]
    assert note == "Passport shown; mail was k***@e***.org"  # addresses masked (P45)

    again = desk.post(f"{HELD}/{reported.id}/clear", json={"reason": "Again."})
    assert again.status_code == 404 and again.json()["error"]["code"] == "minors.not_pending"


@pytest.mark.parametrize(
    ("account", "body", "status", "code"),
    [
        ("{id}", {}, 422, "request.invalid"),
        ("{id}", {"reason": "   "}, 422, "request.invalid"),
        ("{id}", {"reason": "x" * 501}, 422, "request.invalid"),
        ("{id}", {"reason": "ok", "extra": 1}, 422, "request.invalid"),
        ("not-an-id", {"reason": "ok"}, 422, "request.invalid"),
        ("0" * 32, {"reason": "ok"}, 404, "minors.not_pending"),
    ],
)
def test_p4_bad_clearing_gets_a_coded_error_and_keeps_the_hold(
    reported: User, olga: tuple[User, TestClient],
    account: str, body: Any, status: int, code: str,
) -> None:  # fmt: skip
    _, desk = olga
    answer = desk.post(f"{HELD}/{account.format(id=reported.id)}/clear", json=body)
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)
    assert len(desk.get(HELD).json()) == 1
    assert desk.get(HELD, params={"reason": "adult"}).status_code == 422


def test_p4_only_operators_reach_held_accounts(
    client: TestClient, alice: User, reported: User, app: FastAPI, ctx: AppContext
) -> None:
    for method, path, body in [
        ("GET", HELD, None), ("POST", f"{HELD}/{reported.id}/clear", {"reason": "Trust me."}),
    ]:  # fmt: skip
        refused = client.request(method, path, json=body)
        assert refused.status_code == 403, path
        assert refused.json()["error"]["code"] == "operator.required"
    with TestClient(app) as visitor:
        assert visitor.get(HELD).status_code == 401
    assert shown_adult(ctx, reported.id) == []


def test_p4_operator_clears_a_hold_on_the_web_page(
    client: TestClient, ctx: AppContext, reported: User,
    olga: tuple[User, TestClient],
) -> None:  # fmt: skip
    _, desk = olga
    page = desk.get("/operator/minors")
    assert page.status_code == 200
    assert "k***@e***.org" in page.text and CHILD not in page.text
    assert "Reported as a child" in page.text and "not named yet" in page.text
    action = f"/operator/minors/{reported.id}/clear"
    token = csrf(desk, "/operator/minors")

    empty = desk.post(action, data={"csrf_token": token, "reason": "  "})
    assert empty.status_code == 422
    assert 'id="h1-reason-error"' in empty.text and "16 or older" in empty.text
    long = desk.post(action, data={"csrf_token": token, "reason": "y" * 501})
    assert long.status_code == 422 and 'value="' + "y" * 501 + '"' in long.text  # kept
    forged = desk.post(action, data={"csrf_token": "forged", "reason": "Passport."})
    assert forged.status_code == 403
    assert shown_adult(ctx, reported.id) == []

    done = desk.post(action, data={"csrf_token": token, "reason": "Passport on a video call."})
    assert done.status_code == 200 and "The hold is lifted" in done.text
    assert "No account is waiting" in done.text
    assert login(client).status_code == 200
    assert json.loads(shown_adult(ctx, reported.id)[0].details)["note"] == (
        "Passport on a video call."
    )
    gone = desk.post(action, data={"csrf_token": token, "reason": "Again."})
    assert gone.status_code == 404 and "No account with that id waits" in gone.text


def test_p4_the_held_accounts_page_refuses_everyone_but_operators(
    client: TestClient, alice: User, reported: User, ctx: AppContext
) -> None:
    assert client.get("/operator/minors").status_code == 403
    token = csrf(client, "/privacy/requests")
    tried = client.post(
        f"/operator/minors/{reported.id}/clear", data={"csrf_token": token, "reason": "Me."}
    )
    assert tried.status_code == 403 and "k***@e***.org" not in tried.text
    assert shown_adult(ctx, reported.id) == []


def test_p4_the_command_line_keeps_the_reason_too(
    reported: User, settings: Settings, ctx: AppContext
) -> None:
    cleared = hearthwatch(
        settings, "privacy", "minors", "clear", reported.id, "--operator", "olga",
        "--reason", "ID card, kit@example.org",
    )  # fmt: skip
    assert cleared.returncode == 0, cleared.stderr
    (entry,) = shown_adult(ctx, reported.id)
    assert (entry.actor, json.loads(entry.details)["note"]) == (
        "operator:olga", "ID card, k***@e***.org",
    )  # fmt: skip
