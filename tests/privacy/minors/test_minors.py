"""P4: no account for a child under 16 without a parent's or guardian's consent; an account
found without it is deleted. Mails are read from the real SMTP server."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.errors import ValidationFailed
from hearthwatch.jobs.catalog import periodic_jobs
from hearthwatch.privacy.audit.models import AuditEntry
from hearthwatch.privacy.minors import service as minors
from hearthwatch.privacy.minors.age import is_under_16
from hearthwatch.privacy.minors.models import GuardianConsent
from tests.conftest import ADULT_BIRTH_MONTH, STRONG_PASSWORD
from tests.support.minors import (
    CHILD,
    NOON,
    REPORT,
    account_exists,
    confirm_report,
    login,
)
from tests.support.smtp import Mailbox

REGISTER = "/api/v1/auth/register"
DECIDE = "/api/v1/privacy/minors/guardian-consent"
GUARDIAN, OPERATOR = "parent@example.org", "dpo@example.org"


def twelve_years_ago() -> str:
    today = date.today()
    return f"{today.year - 12:04d}-{today.month:02d}"


def sign_up_child(client: TestClient, mailbox: Mailbox, **extra: Any) -> Any:
    body = {
        "email": CHILD,
        "password": STRONG_PASSWORD,
        "birth_month": twelve_years_ago(),
        "guardian_email": GUARDIAN,
        **extra,
    }
    response = client.post(REGISTER, json=body)
    code = mailbox.last_code(CHILD)
    assert client.post("/api/v1/auth/confirm", json={"email": CHILD, "code": code}).is_success
    return response


def link_token(mailbox: Mailbox, address: str) -> str:
    mails = mailbox.to(address)
    assert mails, f"no mail reached {address}"
    found = re.search(r"\?token=(\S+)", mails[-1].get_content())
    assert found, "the mail holds no link"
    return unquote(found.group(1))


def actions(ctx: AppContext) -> list[str]:
    with ctx.db.session() as db:
        return [e.action for e in db.scalars(select(AuditEntry).order_by(AuditEntry.seq))]


@pytest.fixture
def operator_mail(ctx: AppContext) -> str:
    ctx.settings = ctx.settings.model_copy(update={"privacy_operator_email": OPERATOR})
    return OPERATOR


# --- the decision "under 16" -------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth_month", "today", "under_16"),
    [
        ("2010-11", date(2026, 11, 30), True),  # the birthday month itself: the safe side
        ("2010-10", date(2026, 11, 1), False),
        ("2010-12", date(2026, 11, 30), True),
        ("1990-04", date(2026, 11, 22), False),
        ("2026-11", date(2026, 11, 22), True),
    ],
)
def test_p4_month_and_year_decide_under_16(birth_month: str, today: date, under_16: bool) -> None:
    assert is_under_16(birth_month, today=today) is under_16


@pytest.mark.parametrize("birth_month", ["2026-12", "1800-01", "2001-13", "2001-4", ""])
def test_p4_impossible_birth_months_are_refused(birth_month: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        is_under_16(birth_month, today=date(2026, 11, 22))
    assert caught.value.code == "auth.birth_month_invalid"


def test_p4_sign_up_needs_the_birth_month(client: TestClient) -> None:
    body = {"email": CHILD, "password": STRONG_PASSWORD}
    assert client.post(REGISTER, json=body).status_code == 422
    future = client.post(REGISTER, json=body | {"birth_month": "2999-01"})
    assert future.status_code == 422
    assert future.json()["error"]["code"] == "auth.birth_month_invalid"


@pytest.mark.parametrize(
    ("guardian", "code"),
    [(None, "auth.guardian_email_required"), (CHILD, "auth.guardian_email_same")],
)
def test_p4_under_16_needs_a_guardians_address(
    client: TestClient, ctx: AppContext, mailbox: Mailbox, guardian: str | None, code: str
) -> None:
    body = {"email": CHILD, "password": STRONG_PASSWORD, "birth_month": twelve_years_ago()}
    if guardian:
        body["guardian_email"] = guardian
    response = client.post(REGISTER, json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert not account_exists(ctx, CHILD)
    assert mailbox.messages == []


# --- sign-up under 16: wait, then the guardian decides -------------------------------------


def test_p4_under_16_sign_up_waits_until_the_guardian_confirms(
    client: TestClient, ctx: AppContext, mailbox: Mailbox
) -> None:
    response = sign_up_child(client, mailbox)
    assert response.status_code == 202
    assert response.json()["status"] == "guardian_consent_requested"

    refused = login(client)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "auth.guardian_consent_pending"

    mail = mailbox.to(GUARDIAN)[-1].get_content()
    assert "k***@e***.org" in mail and CHILD not in mail  # the child's address masked
    token = link_token(mailbox, GUARDIAN)
    page = client.get("/guardian/consent", params={"token": token})
    assert page.status_code == 200
    assert "Do you agree?" in page.text and "k***@e***.org" in page.text

    body = {"token": token, "decision": "confirm", "guardian_name": "Sam Parent"}
    decided = client.post(DECIDE, json=body)
    assert decided.status_code == 200 and decided.json()["status"] == "confirmed"
    assert "can now sign in" in mailbox.to(CHILD)[-1].get_content()
    assert login(client).status_code == 200

    with ctx.db.session() as db:
        consent = db.scalars(select(GuardianConsent)).one()
        assert (consent.decision, consent.guardian_name) == ("confirmed", "Sam Parent")
        assert consent.guardian_email == GUARDIAN and consent.decided_at is not None
    assert {"minors.consent_requested", "minors.consent_given"} <= set(actions(ctx))
    again = client.post(DECIDE, json=body)
    assert again.status_code == 404 and again.json()["error"]["code"] == "minors.link_invalid"


def test_p4_guardian_refuses_and_the_account_is_deleted_at_once(
    client: TestClient, ctx: AppContext, mailbox: Mailbox
) -> None:
    sign_up_child(client, mailbox)
    token = link_token(mailbox, GUARDIAN)
    page = client.get("/guardian/consent", params={"token": token})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    form = {"csrf_token": csrf.group(1), "token": token, "decision": "refuse"}
    response = client.post("/guardian/consent", data=form | {"guardian_name": "Sam"})
    assert response.status_code == 200
    assert "The account was deleted" in response.text
    assert not account_exists(ctx, CHILD)
    with ctx.db.session() as db:
        assert db.scalars(select(GuardianConsent)).first() is None
    assert "minors.account_deleted.refused" in actions(ctx)
    assert login(client).status_code == 401


def test_p4_no_answer_in_time_deletes_the_account(
    client: TestClient, ctx: AppContext, mailbox: Mailbox
) -> None:
    with ctx.clock.frozen(NOON) as clock:
        sign_up_child(client, mailbox, birth_month="2014-03")
        token = link_token(mailbox, GUARDIAN)
        clock.advance(timedelta(days=ctx.settings.guardian_consent_days) - timedelta(minutes=1))
        assert minors.sweep(ctx) == 0
        assert account_exists(ctx, CHILD)
        clock.advance(timedelta(minutes=2))
        expired = client.get("/guardian/consent", params={"token": token})
        assert expired.status_code == 404 and "cannot be used" in expired.text
        # The durable scheduler's job.
        job = next(j for j in periodic_jobs() if j.name == "privacy.minors")
        assert job.run(ctx) == 1
    assert not account_exists(ctx, CHILD)
    assert "minors.account_deleted.no_consent" in actions(ctx)


def test_p4_a_forged_or_altered_link_does_nothing(
    client: TestClient, ctx: AppContext, mailbox: Mailbox
) -> None:
    sign_up_child(client, mailbox)
    token = link_token(mailbox, GUARDIAN)
    consent_id, deadline, mac = token.split(".")
    flipped = ("A" if mac[0] != "A" else "B") + mac[1:]
    for forged, status in [
        (f"{consent_id}.{int(deadline) + 86400}.{mac}", 404),  # a later deadline
        (f"{consent_id}.{deadline}.{flipped}", 404),
        ("x", 422),
        (f"{consent_id}.²³.{mac}", 422),
    ]:
        body = {"token": forged, "decision": "refuse", "guardian_name": "Mallory"}
        assert client.post(DECIDE, json=body).status_code == status
        assert client.get("/guardian/consent", params={"token": forged}).status_code == 404
    holder_link = {"token": token, "guardian_email": "mallory@example.org"}
    assert client.post("/api/v1/privacy/minors/guardian", json=holder_link).status_code == 404
    assert account_exists(ctx, CHILD)


def test_p4_web_sign_in_says_why_it_waits(
    client: TestClient, ctx: AppContext, mailbox: Mailbox
) -> None:
    sign_up_child(client, mailbox)
    page = client.get("/signin").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    form = {"csrf_token": csrf.group(1), "email": CHILD, "password": STRONG_PASSWORD}
    refused = client.post("/signin", data=form, follow_redirects=False)
    assert refused.status_code == 403
    assert "waiting for a parent&#39;s or guardian&#39;s consent" in refused.text


def test_p4_adults_sign_up_without_a_guardian(client: TestClient, mailbox: Mailbox) -> None:
    body = {"email": CHILD, "password": STRONG_PASSWORD, "birth_month": ADULT_BIRTH_MONTH}
    assert client.post(REGISTER, json=body).json()["status"] == "confirmation_sent"
    code = mailbox.last_code(CHILD)
    client.post("/api/v1/auth/confirm", json={"email": CHILD, "code": code})
    assert login(client).status_code == 200
    assert mailbox.to(GUARDIAN) == []


def test_p4_web_sign_up_under_16_asks_for_the_guardian(
    client: TestClient, ctx: AppContext, mailbox: Mailbox
) -> None:
    page = client.get("/signup").text
    assert 'name="birth_month"' in page and 'type="month"' in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    form = {"csrf_token": csrf.group(1), "email": CHILD, "password": STRONG_PASSWORD}
    form["birth_month"] = twelve_years_ago()
    missing = client.post("/signup", data=form)
    assert missing.status_code == 422
    assert 'id="guardian_email-error"' in missing.text
    assert not account_exists(ctx, CHILD)
    done = client.post("/signup", data=form | {"guardian_email": GUARDIAN}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/guardian/asked")
    assert "must agree" in client.get(done.headers["location"]).text
    assert mailbox.to(GUARDIAN)


# --- "Report a child's account" ------------------------------------------------------------


def report_by_form(client: TestClient, email: str) -> Any:
    page = client.get("/privacy/report-child").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    form = {"csrf_token": csrf.group(1), "email": email, "note": "says she is 11"}
    return client.post("/privacy/report-child", data=form, follow_redirects=False)


def test_p4_reported_account_is_held_once_the_operator_confirms(
    client: TestClient, ctx: AppContext, mailbox: Mailbox, make_user: Any, operator_mail: str
) -> None:
    make_user(email=CHILD)
    assert login(client).status_code == 200
    assert client.get("/api/v1/me").status_code == 200

    found = report_by_form(client, CHILD)
    unknown = report_by_form(client, "nobody@example.org")
    assert (found.status_code, found.headers["location"]) == (
        unknown.status_code,
        unknown.headers["location"],
    )  # no enumeration: the same answer either way
    assert "Thank you." in client.get(found.headers["location"]).text

    assert client.get("/api/v1/me").status_code == 200  # nothing before the review (item 10)
    operator = [m.get_content() for m in mailbox.to(operator_mail)]
    assert len(operator) == 2 and all(CHILD not in m for m in operator)
    assert "waits for your review" in operator[0] and "says she is 11" in operator[0]
    assert "no account uses this address" in operator[1]
    assert "Nothing changes for now" in mailbox.to(CHILD)[-1].get_content()

    confirm_report(ctx)
    assert client.get("/api/v1/me").status_code == 401  # its session ended on confirmation
    assert login(client).json()["error"]["code"] == "auth.guardian_consent_pending"
    assert "on hold" in mailbox.to(CHILD)[-1].get_content()
    assert "minors.account_reported" in actions(ctx)

    holder = link_token(mailbox, CHILD)
    page = client.get("/guardian/name", params={"token": holder})
    assert "Ask your parent or guardian" in page.text
    named = {"token": holder, "guardian_email": GUARDIAN}
    assert client.post("/api/v1/privacy/minors/guardian", json=named).status_code == 202
    decision = {
        "token": link_token(mailbox, GUARDIAN),
        "decision": "confirm",
        "guardian_name": "Sam",
    }
    assert client.post(DECIDE, json=decision).status_code == 200
    assert login(client).status_code == 200


def test_p4_reported_account_without_consent_is_deleted_within_days(
    client: TestClient, ctx: AppContext, mailbox: Mailbox, make_user: Any
) -> None:
    with ctx.clock.frozen(NOON) as clock:
        make_user(email=CHILD)
        assert client.post(REPORT, json={"email": CHILD}).status_code == 202
        confirm_report(ctx)
        clock.advance(timedelta(days=ctx.settings.reported_child_days, seconds=1))
        assert minors.sweep(ctx) == 1
    assert not account_exists(ctx, CHILD)


def test_p4_operator_lifts_the_hold_when_16_plus_is_shown(
    client: TestClient, ctx: AppContext, mailbox: Mailbox, make_user: Any
) -> None:
    user: User = make_user(email=CHILD)
    client.post(REPORT, json={"email": CHILD})
    confirm_report(ctx)
    with ctx.db.session() as db:
        minors.clear_as_adult(ctx, db, user_id=user.id, operator="dpo")
    assert login(client).status_code == 200
    client.post(REPORT, json={"email": CHILD})  # a second report: the answer is on record
    assert login(client).status_code == 200
    assert "minors.shown_adult" in actions(ctx)


def test_p4_report_form_is_rate_limited(client: TestClient, ctx: AppContext) -> None:
    statuses = [
        client.post(REPORT, json={"email": f"n{i}@example.org"}).status_code
        for i in range(ctx.code_throttle.limit + 1)
    ]
    assert statuses[:-1] == [202] * ctx.code_throttle.limit
    assert statuses[-1] == 429
