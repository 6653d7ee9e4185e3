"""Rights requests and complaints: identity first, deadlines, extension, refusal, fees
(P17-P23 via the request kinds, P25, P26, P27)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.jobs.catalog import periodic_jobs
from hearthwatch.jobs.scheduler import Scheduler
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.requests import service as requests
from hearthwatch.privacy.rights.deadlines import add_months
from tests.conftest import STRONG_PASSWORD, sign_in
from tests.support.rights_requests import ALICE, make_request, verified_request
from tests.support.smtp import Mailbox


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (datetime(2026, 1, 31, 9, 0, tzinfo=UTC), datetime(2026, 2, 28, 9, 0, tzinfo=UTC)),
        (datetime(2028, 1, 31, 9, 0, tzinfo=UTC), datetime(2028, 2, 29, 9, 0, tzinfo=UTC)),
        (datetime(2026, 11, 30, 9, 0, tzinfo=UTC), datetime(2026, 12, 30, 9, 0, tzinfo=UTC)),
        (datetime(2026, 12, 15, 9, 0, tzinfo=UTC), datetime(2027, 1, 14, 9, 0, tzinfo=UTC)),
        (datetime(2026, 2, 10, 9, 0, tzinfo=UTC), datetime(2026, 3, 10, 9, 0, tzinfo=UTC)),
    ],
)
def test_p25_due_one_calendar_month_after_receipt_never_past_30_days(
    received: datetime, due: datetime
) -> None:
    """End-of-month rule: 31 Jan is due 28 Feb (29 in a leap year); a 31-day month is
    capped at 30 days, so the answer never takes longer than promised."""
    assert requests.due_date(requests.KIND_BY_NAME["access"], received) == due


def test_extension_months_follow_the_end_of_month_rule() -> None:
    received = datetime(2026, 10, 31, tzinfo=UTC)
    kind = requests.KIND_BY_NAME["erasure"]
    assert requests.due_date(kind, received) == datetime(2026, 11, 30, tzinfo=UTC)
    assert requests.due_date(kind, received, 2) == add_months(datetime(2026, 11, 30, tzinfo=UTC), 2)


def test_p27_complaint_answered_within_30_days(ctx: AppContext) -> None:
    received = datetime(2026, 2, 1, tzinfo=UTC)
    assert requests.due_date(requests.KIND_BY_NAME["complaint"], received) == received + timedelta(
        days=30
    )


def test_p25_request_runs_only_after_reauthentication_and_mailed_code(
    client: TestClient, alice: User, mailbox: Mailbox, ctx: AppContext
) -> None:
    wrong = make_request(client, password="not-my-password")
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "privacy.reauth_failed"
    made = make_request(client)
    assert made.status_code == 201
    request = made.json()
    assert request["status"] == "received"
    request_id = request["id"]
    mail = mailbox.to(ALICE)[-1]
    assert "request code" in mail["Subject"]
    # The operator cannot start before the identity check.
    with ctx.db.session() as db, pytest.raises(Exception, match="not verified"):
        requests.start(ctx, db, request_id=request_id, operator="olga")
    bad = client.post(f"/api/v1/privacy/requests/{request_id}/verify", json={"code": "000000"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "auth.code_invalid"
    code = mailbox.last_code(ALICE)
    good = client.post(f"/api/v1/privacy/requests/{request_id}/verify", json={"code": code})
    assert good.status_code == 200 and good.json()["status"] == "identity_verified"
    again = client.post(f"/api/v1/privacy/requests/{request_id}/verify", json={"code": code})
    assert again.status_code == 409


def test_wrong_code_attempts_are_limited(
    client: TestClient, alice: User, mailbox: Mailbox, ctx: AppContext
) -> None:
    request_id = make_request(client).json()["id"]
    code = mailbox.last_code(ALICE)
    for _ in range(ctx.settings.reset_code_attempts):
        client.post(f"/api/v1/privacy/requests/{request_id}/verify", json={"code": "000000"})
    late = client.post(f"/api/v1/privacy/requests/{request_id}/verify", json={"code": code})
    assert late.status_code == 422
    assert client.post(f"/api/v1/privacy/requests/{request_id}/code").status_code == 204
    fresh = mailbox.last_code(ALICE)
    ok = client.post(f"/api/v1/privacy/requests/{request_id}/verify", json={"code": fresh})
    assert ok.status_code == 200


def test_p18_rectification_request_runs_to_completion_with_steps_mails_and_audit(
    client: TestClient, alice: User, mailbox: Mailbox, ctx: AppContext
) -> None:
    request_id = verified_request(client, mailbox)
    with ctx.db.session() as db:
        requests.start(ctx, db, request_id=request_id, operator="olga")
        requests.complete(
            ctx, db, request_id=request_id, operator="olga", resolution="Date corrected."
        )
    shown = client.get(f"/api/v1/privacy/requests/{request_id}").json()
    assert shown["status"] == "completed" and shown["resolution"] == "Date corrected."
    assert [s["status"] for s in shown["steps"]] == [
        "received", "identity_verified", "in_progress", "completed",
    ]  # fmt: skip
    assert "complete" in mailbox.to(ALICE)[-1].get_content()
    with ctx.db.session() as db:
        actions = [e.action for e in audit.entries_about(db, alice.id)]
        assert actions[-5:] == [
            "request.received", "request.code_sent", "request.identity_verified",
            "request.in_progress", "request.completed",
        ]  # fmt: skip
        assert audit.verify(db).ok
    with ctx.db.session() as db, pytest.raises(Exception, match="already closed"):
        requests.refuse(ctx, db, request_id=request_id, operator="olga", reason="late")


def test_extension_up_to_two_months_with_reason_told_to_the_person(
    client: TestClient, alice: User, mailbox: Mailbox, ctx: AppContext
) -> None:
    request_id = verified_request(client, mailbox, kind="access")
    first_due = datetime.fromisoformat(
        client.get(f"/api/v1/privacy/requests/{request_id}").json()["due_at"]
    )
    with ctx.db.session() as db:
        requests.extend(
            ctx, db, request_id=request_id, operator="olga", months=2, reason="Many recordings."
        )
    shown = client.get(f"/api/v1/privacy/requests/{request_id}").json()
    assert shown["status"] == "extended" and shown["extension_reason"] == "Many recordings."
    assert datetime.fromisoformat(shown["due_at"]) > first_due + timedelta(days=55)
    assert "Many recordings." in mailbox.to(ALICE)[-1].get_content()
    with ctx.db.session() as db, pytest.raises(Exception, match="at most 2 months"):
        requests.extend(ctx, db, request_id=request_id, operator="olga", months=1, reason="more")


def test_no_extension_once_the_deadline_has_passed(
    client: TestClient, alice: User, mailbox: Mailbox, ctx: AppContext
) -> None:
    with ctx.clock.frozen() as clock:
        request_id = verified_request(client, mailbox)
        clock.advance(timedelta(days=31))
        with ctx.db.session() as db, pytest.raises(Exception, match="deadline has passed"):
            requests.extend(ctx, db, request_id=request_id, operator="o", months=1, reason="x")


def test_p26_repeated_request_flagged_then_refused_or_charged_with_reason_shown(
    client: TestClient, alice: User, mailbox: Mailbox, ctx: AppContext
) -> None:
    first = verified_request(client, mailbox, kind="access")
    second = verified_request(client, mailbox, kind="access")
    assert client.get(f"/api/v1/privacy/requests/{second}").json()["repeat_of"] == first
    with ctx.db.session() as db:
        requests.charge(
            ctx, db, request_id=first, operator="olga", fee_cents=1500, reason="Third copy."
        )
        requests.refuse(
            ctx, db, request_id=second, operator="olga", reason="Same request as last week."
        )
    charged = client.get(f"/api/v1/privacy/requests/{first}").json()
    assert charged["fee_cents"] == 1500 and charged["fee_reason"] == "Third copy."
    refused = client.get(f"/api/v1/privacy/requests/{second}").json()
    assert refused["status"] == "refused"
    assert refused["refusal_reason"] == "Same request as last week."
    assert "Same request as last week." in mailbox.to(ALICE)[-1].get_content()


def test_operator_reminded_of_requests_due_soon_once_a_day(
    client: TestClient, alice: User, mailbox: Mailbox, ctx: AppContext
) -> None:
    ctx.settings.privacy_operator_email = "dpo@example.org"
    with ctx.clock.frozen() as clock:
        request_id = verified_request(client, mailbox)
        assert "New rectification request" in mailbox.to("dpo@example.org")[-1].get_content()
        with ctx.db.session() as db:
            assert requests.remind(ctx, db) == []  # due in a month: not yet
        clock.advance(timedelta(days=25))
        with ctx.db.session() as db:
            reminders = requests.remind(ctx, db)
        assert [r.request_id for r in reminders] == [request_id] and not reminders[0].overdue
        assert request_id in mailbox.to("dpo@example.org")[-1].get_content()
        with ctx.db.session() as db:
            assert requests.remind(ctx, db) == []  # already reminded today
        clock.advance(timedelta(days=6))
        with ctx.db.session() as db:
            assert requests.remind(ctx, db)[0].overdue


def test_requests_are_private_to_their_owner(
    client: TestClient, alice: User, make_user: Any, mailbox: Mailbox
) -> None:
    request_id = verified_request(client, mailbox)
    make_user("bob@example.org")
    sign_in(client, "bob@example.org")
    assert client.get(f"/api/v1/privacy/requests/{request_id}").status_code == 404
    assert client.get("/api/v1/privacy/requests").json() == []
    answer = client.post(f"/api/v1/privacy/requests/{request_id}/verify", json={"code": "123456"})
    assert answer.status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"kind": "wish", "details": "x", "password": STRONG_PASSWORD}, 422),
        ({"kind": "access", "details": "", "password": STRONG_PASSWORD}, 422),
        ({"kind": "access", "details": "x" * 4001, "password": STRONG_PASSWORD}, 422),
        ({"kind": "access", "details": "x"}, 422),
        ({"kind": "access", "details": "x", "password": STRONG_PASSWORD, "extra": 1}, 422),
    ],
)
def test_bad_input_gets_a_clear_error(
    client: TestClient, alice: User, body: dict[str, Any], status: int
) -> None:
    answer = client.post("/api/v1/privacy/requests", json=body)
    assert answer.status_code == status and answer.json()["error"]["code"]


def test_requests_need_sign_in_and_csrf(client: TestClient, alice: User) -> None:
    del client.headers["x-csrf-token"]
    assert make_request(client).status_code == 403
    client.cookies.clear()
    assert make_request(client).status_code == 401


def test_p27_supervisory_authority_contact_shown(client: TestClient, ctx: AppContext) -> None:
    ctx.settings.supervisory_authority_name = "Datatilsynet"
    shown = client.get("/api/v1/privacy/requests/authority").json()
    assert shown["name"] == "Datatilsynet" and shown["url"].startswith("https://")
    kinds = {k["name"]: k["promise"] for k in client.get("/api/v1/privacy/requests/kinds").json()}
    assert kinds["complaint"] == "P27" and kinds["rectification"] == "P18"


def test_p25_the_scheduler_reminds_the_operator_without_anyone_running_a_command(
    client: TestClient, alice: User, mailbox: Mailbox, ctx: AppContext
) -> None:
    ctx.settings.privacy_operator_email = "dpo@example.org"
    reminders = [job for job in periodic_jobs() if job.name == "privacy.request_reminders"]
    with ctx.clock.frozen() as clock:
        request_id = verified_request(client, mailbox)
        clock.advance(timedelta(days=26))
        assert Scheduler(ctx, reminders, node="n1").run_due() == ["privacy.request_reminders"]
    mail = mailbox.to("dpo@example.org")[-1].get_content()
    assert "need an answer" in mail and request_id in mail
