"""Issue 14 item 9: message kinds and their rules, held in one place (notify/kinds.py).

P28: marketing only with consent, always with the one-click unsubscribe (RFC 8058 headers
and a link in the text). P50: service announcements cannot be unsubscribed and carry no
promotion. P48: policy-change notices are service messages. P41: breach notices say what
happened, the likely consequences, what was done and what the person can do.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.errors import ValidationFailed
from hearthwatch.mail.messages import MARKETING as MARKETING_MAIL
from hearthwatch.mail.messages import OutgoingMail
from hearthwatch.notify import destinations, kinds, notices
from hearthwatch.notify.kinds import BreachFacts, PromotionRefused, Unsubscribe, compose_mail
from hearthwatch.notify.models import Notification
from hearthwatch.privacy.consent import marketing
from hearthwatch.privacy.consent import service as consent
from hearthwatch.privacy.consent.service import Channel, Purpose
from hearthwatch.privacy.notice import service as notice
from tests.notify.conftest import history
from tests.support.push_endpoint import PushEndpoint
from tests.support.smtp import Mailbox

WAY_OUT = Unsubscribe("https://hw.example/privacy/unsubscribe/one-click?token=t",
                      "https://hw.example/privacy/unsubscribe?token=t")  # fmt: skip
FACTS = BreachFacts(
    what_happened="On 3 March an attacker read a copy of the account database.",
    likely_consequences="Your e-mail address may receive phishing mail.",
    measures_taken="We closed the hole, reset every session and told the authority.",
    what_you_can_do="Change your password and turn on two-step sign-in.",
    contact="privacy@hw.example",
)


def send_news(ctx: AppContext, user: User) -> bool:
    with ctx.db.session() as db:
        stored = db.get(User, user.id)
        assert stored is not None
        return marketing.send_marketing(ctx, db, stored, "Spring news", "20% off new cameras!")


# --- P28: marketing ---


def test_p28_marketing_is_not_sent_without_consent(
    ctx: AppContext, make_user: Any, mailbox: Mailbox
) -> None:
    user = make_user()
    assert send_news(ctx, user) is False
    assert mailbox.messages == []
    with ctx.db.session() as db:
        consent.grant(ctx, db, user_id=user.id, purpose=marketing.PURPOSE, channel=Channel.WEB)
    with ctx.db.session() as db:
        consent.withdraw(ctx, db, user_id=user.id, purpose=marketing.PURPOSE,
                         channel=Channel.WEB)  # fmt: skip
    assert send_news(ctx, user) is False  # consent is asked at the moment of sending
    assert mailbox.messages == []


def test_p28_marketing_with_consent_carries_the_one_click_headers_and_a_link(
    ctx: AppContext, make_user: Any, mailbox: Mailbox
) -> None:
    user = make_user()
    with ctx.db.session() as db:
        consent.grant(ctx, db, user_id=user.id, purpose=marketing.PURPOSE, channel=Channel.WEB)
    assert send_news(ctx, user) is True
    (mail,) = mailbox.to(user.email)
    assert mail["X-Hearthwatch-Kind"] == kinds.MARKETING.name
    assert mail["List-Unsubscribe"].startswith("<http") and "one-click" in mail["List-Unsubscribe"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Unsubscribe in one step: http" in mail.get_content()


def test_p28_a_marketing_mail_cannot_be_made_without_its_unsubscribe() -> None:
    with pytest.raises(ValidationFailed) as refused:
        compose_mail(kinds.MARKETING, to="a@example.org", subject="News", body="Hello")
    assert refused.value.code == "notify.unsubscribe_rule"
    with pytest.raises(ValueError):  # nor past the kinds, straight to the mailer
        OutgoingMail(to="a@example.org", subject="News", body="Hi", kind="x",
                     category=MARKETING_MAIL)  # fmt: skip
    made = compose_mail(kinds.MARKETING, to="a@example.org", subject="News", body="Hi",
                        unsubscribe=WAY_OUT)  # fmt: skip
    assert made.unsubscribe_url == WAY_OUT.one_click_url and WAY_OUT.page_url in made.body
    with pytest.raises(ValidationFailed):
        Unsubscribe("javascript:alert(1)", WAY_OUT.page_url)


# --- P50: service announcements ---


@pytest.mark.parametrize(
    "body",
    [
        "Maintenance on Sunday. Upgrade to Premium for 20% off!",
        "Maintenance on Sunday. Use coupon SPRING for a discount.",
        "Maintenance on Sunday. See https://hw.example/pricing",
        "Maintenance on Sunday. https://hw.example/blog?utm_source=mail",
        "Maintenance on Sunday. Limited-time offer inside.",
    ],
)
def test_p50_an_announcement_with_a_promotion_is_refused_and_nothing_sent(
    ctx: AppContext, make_user: Any, mailbox: Mailbox, body: str
) -> None:
    make_user()
    with pytest.raises(PromotionRefused), ctx.db.session() as db:
        notices.send_announcement(ctx, db, subject="Planned maintenance", body=body)
    assert mailbox.messages == []


def test_p50_announcements_reach_everyone_and_cannot_be_unsubscribed(
    ctx: AppContext, client: TestClient, alice: User, make_user: Any, mailbox: Mailbox
) -> None:
    make_user("bob@example.org")  # never consented to marketing: still gets service mail
    body = "Hearthwatch is down for maintenance on Sunday from 02:00 to 03:00 UTC."
    with ctx.db.session() as db:
        assert notices.send_announcement(ctx, db, subject="Planned maintenance", body=body) == 2
    for address in ("alice@example.org", "bob@example.org"):
        (mail,) = mailbox.to(address)
        assert mail["X-Hearthwatch-Kind"] == "service.announcement"
        assert mail["List-Unsubscribe"] is None and mail["List-Unsubscribe-Post"] is None
        assert "nsubscribe" not in mail.get_content()
    (item,) = history(client)
    assert item["kind"] == "service.announcement" and item["deliveries"][0]["status"] == "sent"
    assert not kinds.SERVICE_ANNOUNCEMENT.user_can_turn_off
    with pytest.raises(ValidationFailed):  # no unsubscribe link can be put on one
        compose_mail(kinds.SERVICE_ANNOUNCEMENT, to="a@example.org", subject="Maintenance",
                     body=body, unsubscribe=WAY_OUT)  # fmt: skip


# --- P48: policy changes ---


def test_p48_a_policy_change_is_announced_by_mail_and_push_without_promotion(
    ctx: AppContext, make_user: Any, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch,
    push_service: PushEndpoint,
) -> None:  # fmt: skip
    with ctx.clock.frozen(datetime(2027, 3, 1, 9, tzinfo=UTC)):
        notice.ensure_published(ctx)
        user = make_user()
        browser = push_service.subscribe()
        with ctx.db.session() as db:
            destinations.subscribe(db, ctx.settings, user_id=user.id, endpoint=browser.endpoint,
                                   p256dh=browser.p256dh, auth=browser.as_json()["keys"]["auth"],
                                   now=ctx.clock.now())  # fmt: skip
        extra = Purpose("camera_ai_training", "Improving detection", "Training on clips.", 2)
        monkeypatch.setattr(consent, "PURPOSES", (*consent.PURPOSES, extra))
        with ctx.db.session() as db:
            notice.publish(ctx, db, announce=timedelta(days=10))
    (mail,) = mailbox.to(user.email)
    assert mail["X-Hearthwatch-Kind"] == kinds.POLICY_CHANGE.name
    assert mail["List-Unsubscribe"] is None
    pushed = push_service.wait_for(browser).json()
    assert pushed["kind"] == kinds.POLICY_CHANGE.name and pushed["title"] == mail["Subject"]
    with ctx.db.session() as db:
        (row,) = db.scalars(select(Notification).where(Notification.user_id == user.id))
        assert row.kind == kinds.POLICY_CHANGE.name
    with pytest.raises(PromotionRefused):
        compose_mail(kinds.POLICY_CHANGE, to=user.email, subject="Our notice changes",
                     body="New terms. Upgrade now and save!")  # fmt: skip


# --- P41: breach notices ---


def test_p41_a_breach_notice_tells_each_person_affected_what_happened_and_what_to_do(
    ctx: AppContext, client: TestClient, alice: User, make_user: Any, mailbox: Mailbox
) -> None:
    bob = make_user("bob@example.org")
    with ctx.db.session() as db:
        assert notices.send_breach_notice(ctx, db, user_ids=[alice.id], facts=FACTS) == 1
    (mail,) = mailbox.to(alice.email)
    text = mail.get_content()
    for heading, said in (("What happened", FACTS.what_happened),
                          ("likely to mean for you", FACTS.likely_consequences),
                          ("What we have done", FACTS.measures_taken),
                          ("What you can do", FACTS.what_you_can_do)):  # fmt: skip
        assert heading in text and said in text
    assert mail["X-Hearthwatch-Kind"] == "security.breach" and mail["List-Unsubscribe"] is None
    assert mailbox.to(bob.email) == []  # only those affected
    assert history(client)[0]["kind"] == "security.breach"


def test_p41_an_incomplete_breach_notice_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        BreachFacts(what_happened="Something.", likely_consequences=" ", measures_taken="x",
                    what_you_can_do="y", contact="z")  # fmt: skip
    assert refused.value.code == "notify.breach_incomplete"
    assert not kinds.BREACH_NOTICE.user_can_turn_off and not kinds.BREACH_NOTICE.unsubscribable
