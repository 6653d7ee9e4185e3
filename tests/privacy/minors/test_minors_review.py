"""P4 (issue 11, item 10): a report of a child's account restricts nothing until an operator,
having read the holder's answer, confirms it; a dismissed report changes nothing. A
confirmed one starts the hold, and the account is deleted without a guardian's consent."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.privacy.audit.models import AuditEntry
from hearthwatch.privacy.minors import service as minors
from hearthwatch.privacy.minors.hold import on_hold
from hearthwatch.settings import Settings
from tests.conftest import sign_in
from tests.support.cli import hearthwatch
from tests.support.forms import csrf
from tests.support.minors import CHILD, NOON, REPORT, account_exists, login
from tests.support.smtp import Mailbox

REPORTS = "/api/v1/privacy/operator/minors/reports"
ANSWER = "/api/v1/privacy/minors/reports/answer"


def answer_token(mailbox: Mailbox) -> str:
    mails = [m for m in mailbox.to(CHILD) if m["X-Hearthwatch-Kind"] == "minors.report_received"]
    assert mails, "the holder was not told about the report"
    found = re.search(r"/guardian/report\?token=(\S+)", mails[-1].get_content())
    assert found, "the mail holds no answer link"
    return unquote(found.group(1))


def audited(ctx: AppContext, user_id: str, action: str) -> list[dict[str, Any]]:
    with ctx.db.session() as db:
        query = select(AuditEntry).where(
            AuditEntry.subject_id == user_id, AuditEntry.action == action
        )
        return [{"actor": e.actor, **json.loads(e.details)} for e in db.scalars(query)]


def held(ctx: AppContext, user_id: str) -> bool:
    with ctx.db.session() as db:
        return on_hold(db, user_id)


@pytest.fixture
def kit(client: TestClient, make_user: Any, app: FastAPI) -> tuple[User, TestClient]:
    """An adult holder, signed in, whose address someone reports anonymously."""
    user: User = make_user(CHILD)
    holder = TestClient(app)
    sign_in(holder, CHILD)
    assert client.post(REPORT, json={"email": CHILD, "note": "sounds young"}).status_code == 202
    return user, holder


def test_p4_item10_child_report_restricts_nothing_before_review(
    client: TestClient, ctx: AppContext, kit: tuple[User, TestClient], mailbox: Mailbox
) -> None:
    user, holder = kit
    assert holder.get("/api/v1/me").status_code == 200  # the session goes on
    assert login(client).status_code == 200  # and signing in works
    assert not held(ctx, user.id)
    mail = mailbox.to(CHILD)[-1].get_content()
    assert "Nothing changes for now" in mail and "/guardian/report?token=" in mail
    assert audited(ctx, user.id, "minors.account_reported") == []
    assert len(audited(ctx, user.id, "minors.report_received")) == 1
    again = client.post(REPORT, json={"email": CHILD})
    assert again.status_code == 202 and len(mailbox.to(CHILD)) == 1  # one open report


def test_p4_item10_holder_answers_and_the_operator_reads_it_when_reviewing(
    client: TestClient, ctx: AppContext, kit: tuple[User, TestClient], mailbox: Mailbox,
    olga: tuple[User, TestClient],
) -> None:  # fmt: skip
    user, _ = kit
    _, desk = olga
    token = answer_token(mailbox)
    (waiting,) = desk.get(REPORTS).json()
    assert (waiting["account_id"], waiting["account"]) == (user.id, "k***@e***.org")
    assert waiting["answer"] is None

    page = client.get("/guardian/report", params={"token": token})
    assert page.status_code == 200 and "Answer the report" in page.text
    fields = {"csrf_token": csrf(client, f"/guardian/report?token={token}"), "token": token}
    sent = client.post("/guardian/report", data=fields | {"answer": "I am 34, born 1992."})
    assert sent.status_code == 200 and "Thank you" in sent.text
    (waiting,) = desk.get(REPORTS).json()
    assert waiting["answer"] == "I am 34, born 1992." and waiting["answered_at"]

    over_api = client.post(ANSWER, json={"token": token, "answer": "Happy to show my ID."})
    assert over_api.status_code == 200, over_api.text
    assert desk.get(REPORTS).json()[0]["answer"] == "Happy to show my ID."
    desk_page = desk.get("/operator/minors").text
    assert "Happy to show my ID." in desk_page and "Reports to review" in desk_page
    assert CHILD not in desk_page


def test_p4_item10_a_dismissed_report_changes_nothing_and_tells_the_holder(
    client: TestClient, ctx: AppContext, kit: tuple[User, TestClient], mailbox: Mailbox,
    olga: tuple[User, TestClient],
) -> None:  # fmt: skip
    user, holder = kit
    operator, desk = olga
    token = answer_token(mailbox)
    (waiting,) = desk.get(REPORTS).json()
    decided = desk.post(
        f"{REPORTS}/{waiting['report_id']}/dismiss", json={"reason": "ID shown, kit@example.org"}
    )
    assert decided.status_code == 200, decided.text
    assert decided.json() == {"report_id": waiting["report_id"], "state": "dismissed"}
    assert holder.get("/api/v1/me").status_code == 200 and not held(ctx, user.id)
    assert mailbox.to(CHILD)[-1]["X-Hearthwatch-Kind"] == "minors.report_dismissed"
    (entry,) = audited(ctx, user.id, "minors.report_dismissed")
    assert entry["actor"] == f"operator:account-{operator.id}"
    assert entry["reason"] == "ID shown, k***@e***.org"
    assert desk.get(REPORTS).json() == []
    late = client.post(ANSWER, json={"token": token, "answer": "too late"})
    assert late.status_code == 404 and late.json()["error"]["code"] == "minors.link_invalid"
    twice = desk.post(f"{REPORTS}/{waiting['report_id']}/confirm", json={"reason": "No."})
    assert twice.status_code == 404 and twice.json()["error"]["code"] == "minors.report_not_open"


def test_p4_item10_a_confirmed_report_holds_and_then_deletes_the_account(
    client: TestClient, ctx: AppContext, make_user: Any, mailbox: Mailbox, app: FastAPI,
    olga: tuple[User, TestClient],
) -> None:  # fmt: skip
    _, desk = olga
    with ctx.clock.frozen(NOON) as clock:
        user: User = make_user(CHILD)
        holder = TestClient(app)
        sign_in(holder, CHILD)
        assert client.post(REPORT, json={"email": CHILD}).status_code == 202
        (waiting,) = desk.get(REPORTS).json()
        decided = desk.post(
            f"{REPORTS}/{waiting['report_id']}/confirm", json={"reason": "Answer says 12."}
        )
        assert decided.json()["state"] == "confirmed"
        assert holder.get("/api/v1/me").status_code == 401  # sessions end on confirmation
        assert login(client).json()["error"]["code"] == "auth.guardian_consent_pending"
        assert mailbox.to(CHILD)[-1]["X-Hearthwatch-Kind"] == "minors.account_reported"
        assert len(audited(ctx, user.id, "minors.report_confirmed")) == 1
        clock.advance(timedelta(days=ctx.settings.reported_child_days, seconds=1))
        assert minors.sweep(ctx) == 1  # P4: no consent in time, deleted
    assert not account_exists(ctx, CHILD)


def test_p4_item10_operator_decides_on_the_web_page(
    ctx: AppContext, kit: tuple[User, TestClient], mailbox: Mailbox,
    olga: tuple[User, TestClient],
) -> None:  # fmt: skip
    user, holder = kit
    _, desk = olga
    (waiting,) = desk.get(REPORTS).json()
    token = csrf(desk, "/operator/minors")
    action = f"/operator/minors/reports/{waiting['report_id']}/confirm"
    empty = desk.post(action, data={"csrf_token": token, "reason": " "})
    assert empty.status_code == 422 and 'id="r1-reason-error"' in empty.text
    assert holder.get("/api/v1/me").status_code == 200
    done = desk.post(action, data={"csrf_token": token, "reason": "Holder says 13."})
    assert done.status_code == 200 and "The report is confirmed" in done.text
    assert "No report waits for review" in done.text
    assert held(ctx, user.id) and holder.get("/api/v1/me").status_code == 401


def test_p4_item10_only_operators_review_reports(
    client: TestClient, alice: User, ctx: AppContext, kit: tuple[User, TestClient]
) -> None:
    user, holder = kit
    with ctx.db.session() as db:
        (report_id,) = db.scalars(select(AuditEntry.details).where(
            AuditEntry.action == "minors.report_received"
        ))  # fmt: skip
    report = json.loads(report_id)["report_id"]
    assert client.get(REPORTS).json()["error"]["code"] == "operator.required"
    tried = client.post(f"{REPORTS}/{report}/confirm", json={"reason": "Me."})
    assert tried.status_code == 403
    page = client.post(
        f"/operator/minors/reports/{report}/confirm",
        data={"csrf_token": csrf(client, "/privacy/requests"), "reason": "Me."},
    )
    assert page.status_code == 403
    assert not held(ctx, user.id) and holder.get("/api/v1/me").status_code == 200


def test_p4_item10_the_command_line_lists_and_dismisses_reports(
    ctx: AppContext, kit: tuple[User, TestClient], settings: Settings
) -> None:
    user, _ = kit
    listed = hearthwatch(settings, "privacy", "minors", "reports")
    assert listed.returncode == 0, listed.stderr
    assert user.id in listed.stdout and CHILD not in listed.stdout
    report_id = listed.stdout.split()[0]
    dismissed = hearthwatch(
        settings, "privacy", "minors", "dismiss", report_id, "--operator", "olga",
        "--reason", "Shown to be 40.",
    )  # fmt: skip
    assert dismissed.returncode == 0, dismissed.stderr
    (entry,) = audited(ctx, user.id, "minors.report_dismissed")
    assert (entry["actor"], entry["reason"]) == ("operator:olga", "Shown to be 40.")
    assert "no report waits" in hearthwatch(settings, "privacy", "minors", "reports").stdout


def test_p4_item10_a_forged_answer_link_does_nothing(client: TestClient) -> None:
    forged = "0" * 32 + "." + "A" * 43
    answer = client.post(ANSWER, json={"token": forged, "answer": "hello"})
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "minors.link_invalid"
    page = client.get("/guardian/report", params={"token": "nonsense"})
    assert page.status_code == 404 and "This link does not work" in page.text
