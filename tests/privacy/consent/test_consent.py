"""The consent ledger, its API and pages, and marketing mail (P24, P28, P30)."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from hearthwatch import cli
from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.audit.receipts import verify_receipt
from hearthwatch.privacy.consent import analytics, marketing
from hearthwatch.privacy.consent import service as consent
from hearthwatch.privacy.consent.models import ConsentRecord
from hearthwatch.privacy.consent.service import Channel, Purpose, Status
from hearthwatch.settings import Settings
from tests.support.smtp import Mailbox
from tests.web.conftest import csrf_of, submit, web_sign_in

PURPOSE_KEYS = {
    "marketing_email",
    "product_analytics",
    "functional_cookies",
    "advertising_cookies",
    "location_features",
}


def allowed(ctx: AppContext, user_id: str, purpose: str) -> bool:
    with ctx.db.session() as db:
        return consent.allowed(db, user_id=user_id, purpose=purpose)


def public_key(client: TestClient) -> bytes:
    return base64.b64decode(client.get("/api/v1/privacy/receipt-key").json()["public_key"])


# --- the ledger through the API ---------------------------------------------------------


def test_every_purpose_is_listed_and_starts_not_asked(client: TestClient, alice: User) -> None:
    listed = client.get("/api/v1/privacy/consents").json()
    assert {item["purpose"] for item in listed} == PURPOSE_KEYS
    assert {item["status"] for item in listed} == {"not_asked"}
    assert all(item["legal_basis"].startswith("consent") for item in listed)


def test_p24_withdrawal_stops_processing_at_once_and_earlier_rows_stay(
    ctx: AppContext, client: TestClient, alice: User
) -> None:
    granted = client.put("/api/v1/privacy/consents/marketing_email", json={"granted": True})
    assert granted.status_code == 200, granted.text
    assert granted.json()["consent"]["status"] == "granted"
    assert allowed(ctx, alice.id, "marketing_email")

    withdrawn = client.post("/api/v1/privacy/consents/marketing_email/withdraw")
    assert withdrawn.json()["consent"]["status"] == "withdrawn"
    assert not allowed(ctx, alice.id, "marketing_email")

    history = client.get("/api/v1/privacy/consents/history").json()
    assert [(h["purpose"], h["decision"], h["channel"]) for h in history] == [
        ("marketing_email", "withdrawn", "api"),
        ("marketing_email", "granted", "api"),
    ]
    assert all(h["notice_version"] == 1 for h in history)


def test_p24_the_ledger_refuses_rewriting_history(ctx: AppContext, alice: User) -> None:
    with ctx.db.session() as db:
        consent.grant(ctx, db, user_id=alice.id, purpose="marketing_email", channel=Channel.WEB)
    with pytest.raises(DBAPIError), ctx.db.session() as db:
        db.execute(text("UPDATE consent_ledger SET granted = false"))
    assert allowed(ctx, alice.id, "marketing_email")


def test_p24_each_change_is_audited_and_answered_with_a_signed_receipt(
    ctx: AppContext, client: TestClient, alice: User
) -> None:
    answer = client.post("/api/v1/privacy/consents/product_analytics/grant").json()
    receipt = answer["receipt"]
    assert receipt["kind"] == "consent.change"
    assert receipt["payload"]["purpose"] == "product_analytics"
    assert receipt["payload"]["decision"] == "granted"
    assert receipt["payload"]["user_id"] == alice.id
    assert verify_receipt(receipt, public_key(client))

    ledger_id = receipt["payload"]["ledger_id"]
    download = client.get(f"/api/v1/privacy/consents/history/{ledger_id}/receipt")
    assert download.json() == receipt
    assert "attachment" in download.headers["content-disposition"]

    with ctx.db.session() as db:
        actions = [e.action for e in audit.entries_about(db, alice.id)]
    assert actions == ["consent.granted"]


def test_repeating_the_state_in_force_adds_no_row(client: TestClient, alice: User) -> None:
    first = client.put("/api/v1/privacy/consents/marketing_email", json={"granted": True}).json()
    again = client.put("/api/v1/privacy/consents/marketing_email", json={"granted": True}).json()
    assert again["receipt"] == first["receipt"]
    assert len(client.get("/api/v1/privacy/consents/history").json()) == 1


def test_someone_elses_receipt_is_not_found(
    ctx: AppContext, client: TestClient, alice: User, make_user: Any
) -> None:
    bob = make_user("bob@example.org")
    with ctx.db.session() as db:
        change = consent.grant(
            ctx, db, user_id=bob.id, purpose="marketing_email", channel=Channel.WEB
        )
    response = client.get(f"/api/v1/privacy/consents/history/{change.record.id}/receipt")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "consent.not_found"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("put", "/api/v1/privacy/consents/selling_data", 404, "consent.unknown_purpose"),
        ("post", "/api/v1/privacy/consents/selling_data/grant", 404, "consent.unknown_purpose"),
        ("put", "/api/v1/privacy/consents/Marketing!", 422, "request.invalid"),
        ("get", "/api/v1/privacy/consents/history/0/receipt", 422, "request.invalid"),
    ],
)
def test_bad_purposes_and_ids_are_clear_errors(
    client: TestClient, alice: User, method: str, path: str, status: int, code: str
) -> None:
    response = client.request(method, path, json={"granted": True})
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_cookie_callers_need_the_csrf_header(client: TestClient, alice: User) -> None:
    del client.headers["x-csrf-token"]
    response = client.put("/api/v1/privacy/consents/marketing_email", json={"granted": True})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "auth.csrf_failed"


def test_consents_need_a_signed_in_caller(client: TestClient) -> None:
    assert client.get("/api/v1/privacy/consents").status_code == 401


# --- P30: a new purpose needs its own, new consent --------------------------------------


def test_p30_a_purpose_added_later_is_not_asked_until_granted_explicitly(
    ctx: AppContext, client: TestClient, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in PURPOSE_KEYS:
        client.post(f"/api/v1/privacy/consents/{key}/grant")
    added = Purpose("camera_ai_training", "Improving detection", "Training on clips.", 2)
    monkeypatch.setattr(consent, "PURPOSES", (*consent.PURPOSES, added))

    listed = {c["purpose"]: c for c in client.get("/api/v1/privacy/consents").json()}
    assert listed["camera_ai_training"]["status"] == "not_asked"
    assert listed["camera_ai_training"]["introduced_in"] == 2
    assert not allowed(ctx, alice.id, "camera_ai_training")
    assert all(listed[key]["status"] == "granted" for key in PURPOSE_KEYS)

    client.post("/api/v1/privacy/consents/camera_ai_training/grant")
    assert allowed(ctx, alice.id, "camera_ai_training")


# --- the consents page --------------------------------------------------------------------


def test_p24_withdraw_on_the_consents_page_with_one_click(
    ctx: AppContext, client: TestClient, make_user: Any
) -> None:
    user = make_user()
    web_sign_in(client, user.email)
    page = client.get("/privacy/consents")
    assert page.status_code == 200
    assert "Not asked yet" in page.text

    granted = submit(
        client, "/privacy/consents/marketing_email", {"decision": "grant"}, page="/privacy/consents"
    )
    assert granted.status_code == 303
    assert allowed(ctx, user.id, "marketing_email")
    withdrawn = submit(
        client,
        "/privacy/consents/marketing_email",
        {"decision": "withdraw"},
        page="/privacy/consents",
    )
    assert withdrawn.status_code == 303
    assert not allowed(ctx, user.id, "marketing_email")

    shown = client.get("/privacy/consents").text
    receipts = re.findall(r'href="/privacy/consents/receipts/(\d+)"', shown)
    assert len(receipts) == 2
    receipt = client.get(f"/privacy/consents/receipts/{receipts[0]}").json()
    assert receipt["payload"]["decision"] == "withdrawn"
    assert receipt["payload"]["channel"] == "web"
    assert verify_receipt(receipt, public_key(client))


def test_the_consents_page_refuses_a_missing_csrf_token(
    ctx: AppContext, client: TestClient, make_user: Any
) -> None:
    user = make_user()
    web_sign_in(client, user.email)
    response = client.post("/privacy/consents/marketing_email", data={"decision": "grant"})
    assert response.status_code == 403
    assert not allowed(ctx, user.id, "marketing_email")


def test_visitors_are_sent_to_sign_in(client: TestClient) -> None:
    response = client.get("/privacy/consents", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin")


# --- P28: marketing only with consent, one-step unsubscribe --------------------------------


def _grant_marketing(ctx: AppContext, user: User) -> None:
    with ctx.db.session() as db:
        consent.grant(ctx, db, user_id=user.id, purpose="marketing_email", channel=Channel.WEB)


def test_p28_marketing_reaches_only_consenting_people_each_with_an_unsubscribe_link(
    ctx: AppContext, mailbox: Mailbox, make_user: Any
) -> None:
    alice, bob = make_user(), make_user("bob@example.org")
    _grant_marketing(ctx, alice)
    with ctx.db.session() as db:
        result = marketing.send_campaign(ctx, db, subject="Spring news", body="New cameras!")
    assert (result.sent, result.skipped) == (1, 1)
    assert mailbox.to(bob.email) == []
    (mail,) = mailbox.to(alice.email)
    assert mail["Subject"] == "Spring news"
    assert "/privacy/unsubscribe?token=" in mail.get_content()


def test_p28_service_mail_still_arrives_without_marketing_consent(
    client: TestClient, mailbox: Mailbox, make_user: Any
) -> None:
    bob = make_user("bob@example.org")
    client.post("/api/v1/auth/password-reset", json={"email": bob.email})
    assert mailbox.to(bob.email), "a password reset code is service mail"


def test_p28_the_unsubscribe_link_works_in_one_step_without_signing_in(
    ctx: AppContext, client: TestClient, mailbox: Mailbox, make_user: Any
) -> None:
    alice = make_user()
    _grant_marketing(ctx, alice)
    with ctx.db.session() as db:
        marketing.send_campaign(ctx, db, subject="News", body="Hello")
    link = re.search(r"(/privacy/unsubscribe\?token=\S+)", mailbox.to(alice.email)[0].get_content())
    assert link is not None

    page = client.get(link.group(1))
    assert page.status_code == 200 and "Unsubscribe" in page.text
    assert allowed(ctx, alice.id, "marketing_email"), "opening the link changes nothing"

    token = link.group(1).split("token=")[1]
    done = client.post(
        "/privacy/unsubscribe", data={"csrf_token": csrf_of(page.text), "token": token}
    )
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    assert not allowed(ctx, alice.id, "marketing_email")
    with ctx.db.session() as db:
        newest = consent.current(db, alice.id)["marketing_email"]
    assert (newest.status, newest.channel) == (Status.WITHDRAWN, "email_link")

    mailbox.clear()
    with ctx.db.session() as db:
        assert marketing.send_campaign(ctx, db, subject="More", body="x").sent == 0


@pytest.mark.parametrize("token", ["", "nonsense", "a" * 32 + "." + "b" * 64])
def test_p28_a_forged_unsubscribe_link_is_refused(client: TestClient, token: str) -> None:
    page = client.get(f"/privacy/unsubscribe?token={token}")
    assert page.status_code == 404
    assert "not valid" in page.text


def test_p28_marketing_send_command_mails_consenting_users_only(
    ctx: AppContext,
    settings: Settings,
    mailbox: Mailbox,
    make_user: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    alice, bob = make_user(), make_user("bob@example.org")
    _grant_marketing(ctx, alice)
    body = tmp_path / "news.txt"
    body.write_text("Our new doorbell camera is here.\n", encoding="utf-8")
    for name, value in {
        "ENVIRONMENT": "test",
        "DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        "MAIL_BACKEND": "smtp",
        "SMTP_PORT": str(settings.smtp_port),
    }.items():
        monkeypatch.setenv(f"HEARTHWATCH_{name}", value)
    args = ["privacy", "marketing", "send", "--subject", "Doorbell", "--body-file", str(body)]
    assert cli.main(args) == 0
    assert "sent 1 marketing mails; 1 accounts did not consent" in capsys.readouterr().out
    assert len(mailbox.to(alice.email)) == 1 and mailbox.to(bob.email) == []


def test_withdrawn_consent_rows_go_with_the_account(ctx: AppContext, make_user: Any) -> None:
    alice = make_user()
    _grant_marketing(ctx, alice)
    with ctx.db.session() as db:
        db.delete(db.get(User, alice.id))
    with ctx.db.session() as db:
        count = db.scalar(select(func.count()).select_from(ConsentRecord))
    assert count == 0


# --- P29: cookie categories are enforced on the server -------------------------------------


def _page_views(ctx: AppContext) -> int:
    with ctx.db.session() as db:
        return sum(count.views for count in analytics.totals(db))


def _ping(client: TestClient, path: str = "/cameras/0123abcd") -> Any:
    token = csrf_of(client.get("/signin").text)
    return client.post(
        "/privacy/analytics/view", params={"path": path}, headers={"x-csrf-token": token}
    )


def test_p29_page_view_pings_without_the_csrf_header_are_refused(
    ctx: AppContext, client: TestClient
) -> None:
    submit(client, "/privacy/cookies", {"choice": "accept_all"}, page="/signin")
    refused = client.post("/privacy/analytics/view", params={"path": "/"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "auth.csrf_failed"
    assert _page_views(ctx) == 0


def test_p29_no_optional_cookie_before_a_choice(client: TestClient) -> None:
    page = client.get("/signin")
    assert "Cookies on Hearthwatch" in page.text
    assert set(client.cookies.keys()) == {"hw_csrf"}


def test_p29_page_views_are_counted_only_with_analytics_consent(
    ctx: AppContext, client: TestClient
) -> None:
    answer = _ping(client)
    assert answer.status_code == 204 and "hw_visit" not in answer.cookies
    assert _page_views(ctx) == 0

    submit(client, "/privacy/cookies", {"choice": "save", "analytics": "on"}, page="/signin")
    assert client.cookies["hw_consent"].endswith(".010")
    assert "Cookies on Hearthwatch" not in client.get("/signin").text
    assert _ping(client).status_code == 204
    assert _ping(client).status_code == 204
    with ctx.db.session() as db:
        (count,) = analytics.totals(db)
    assert (count.section, count.views, count.visits) == ("cameras", 2, 1)


def test_p29_a_banner_choice_is_kept_in_the_ledger_under_a_random_visitor_id(
    ctx: AppContext, client: TestClient
) -> None:
    submit(client, "/privacy/cookies", {"choice": "accept_all"}, page="/signin")
    visitor_id = client.cookies["hw_consent"].split(".")[0]
    with ctx.db.session() as db:
        states = consent.current_for_visitor(db, visitor_id)
    assert {key: s.status for key, s in states.items()} == {
        "functional_cookies": Status.GRANTED,
        "product_analytics": Status.GRANTED,
        "advertising_cookies": Status.GRANTED,
    }
    assert {s.channel for s in states.values()} == {"cookie_banner"}


def test_p29_the_functional_cookie_needs_functional_consent(client: TestClient) -> None:
    refused = submit(client, "/privacy/preferences", {"theme": "dark"}, page="/privacy/cookies")
    assert refused.status_code == 422 and "hw_prefs" not in refused.cookies
    submit(client, "/privacy/cookies", {"choice": "save", "functional": "on"}, page="/signin")
    saved = submit(client, "/privacy/preferences", {"theme": "dark"}, page="/privacy/cookies")
    assert saved.status_code == 303 and saved.cookies["hw_prefs"] == "theme:dark"
    assert "/static/theme-dark.css" in client.get("/signin").text


def test_p29_refusing_a_category_deletes_its_cookies(client: TestClient) -> None:
    submit(client, "/privacy/cookies", {"choice": "accept_all"}, page="/signin")
    submit(client, "/privacy/preferences", {"theme": "light"}, page="/privacy/cookies")
    _ping(client)
    assert {"hw_prefs", "hw_visit"} <= set(client.cookies.keys())
    submit(client, "/privacy/cookies", {"choice": "reject_all"}, page="/privacy/cookies")
    assert not {"hw_prefs", "hw_visit"} & set(client.cookies.keys())
    assert "/static/theme-light.css" not in client.get("/signin").text


def test_p29_a_withdrawal_on_another_device_wins_over_this_browsers_cookie(
    ctx: AppContext, client: TestClient, make_user: Any
) -> None:
    user = make_user()
    submit(client, "/privacy/cookies", {"choice": "accept_all"}, page="/signin")
    web_sign_in(client, user.email)
    with ctx.db.session() as db:
        consent.withdraw(ctx, db, user_id=user.id, purpose="product_analytics", channel=Channel.API)
    before = _page_views(ctx)
    _ping(client)
    assert _page_views(ctx) == before


def test_a_visitors_cookie_choice_goes_when_its_cookie_would(
    ctx: AppContext, client: TestClient, make_user: Any
) -> None:
    with ctx.clock.frozen(datetime(2027, 1, 1, tzinfo=UTC)):
        submit(client, "/privacy/cookies", {"choice": "reject_all"}, page="/signin")
        first = client.cookies["hw_consent"].split(".")[0]
        ctx.clock.advance(timedelta(days=400))
        client.cookies.clear()
        submit(client, "/privacy/cookies", {"choice": "accept_all"}, page="/signin")
    with ctx.db.session() as db:
        assert consent.current_for_visitor(db, first) == {}
        visitors = db.scalars(select(ConsentRecord.visitor_id).distinct()).all()
    assert visitors == [client.cookies["hw_consent"].split(".")[0]]
