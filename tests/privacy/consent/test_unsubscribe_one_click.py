"""One-click unsubscribe from marketing mail (P28, RFC 8058); service mail has none (P50)."""

from __future__ import annotations

import hashlib
import hmac
import re
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from hearthwatch import cli
from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.mail.messages import MARKETING, OutgoingMail
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.consent import marketing
from hearthwatch.privacy.consent import service as consent
from hearthwatch.privacy.consent.service import Channel, Status
from hearthwatch.settings import Settings
from tests.conftest import LiveServer
from tests.support.smtp import Mailbox

ONE_CLICK_BODY = b"List-Unsubscribe=One-Click"
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
def subscriber(ctx: AppContext, make_user: Any) -> User:
    user: User = make_user()
    with ctx.db.session() as db:
        consent.grant(ctx, db, user_id=user.id, purpose=marketing.PURPOSE, channel=Channel.WEB)
    return user


@pytest.fixture
def served(ctx: AppContext, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """The app over real HTTP, and mail links pointing at it (as `serve` makes them)."""
    monkeypatch.setattr(ctx.settings, "public_url", live_server.url)
    return live_server.url


def send_news(ctx: AppContext) -> int:
    with ctx.db.session() as db:
        return marketing.send_campaign(ctx, db, subject="Spring news", body="New cameras!").sent


def header_link(mail: EmailMessage) -> str:
    found = re.fullmatch(r"<(https?://[^>]+)>", str(mail["List-Unsubscribe"]))
    assert found is not None, mail["List-Unsubscribe"]
    return found.group(1)


def marketing_state(ctx: AppContext, user: User) -> consent.ConsentState:
    with ctx.db.session() as db:
        return consent.current(db, user.id)[marketing.PURPOSE]


def test_p28_item14_one_click_unsubscribe_without_cookie(
    ctx: AppContext, served: str, mailbox: Mailbox, subscriber: User
) -> None:
    assert send_news(ctx) == 1
    (mail,) = mailbox.to(subscriber.email)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = header_link(mail)
    assert link.startswith(f"{served}/privacy/unsubscribe/one-click?token=")

    # Exactly what a mail client sends (RFC 8058 3.2): a POST, no cookie, no CSRF token.
    with httpx.Client() as mail_client:
        answer = mail_client.post(link, content=ONE_CLICK_BODY, headers=FORM)
    assert answer.status_code == 200, answer.text
    assert "You are unsubscribed" in answer.text

    state = marketing_state(ctx, subscriber)
    assert (state.status, state.channel) == (Status.WITHDRAWN, Channel.EMAIL_LINK.value)
    with ctx.db.session() as db:
        actions = [e.action for e in audit.entries_about(db, subscriber.id)]
    assert actions[-1] == "consent.withdrawn"

    mailbox.clear()
    assert send_news(ctx) == 0
    assert mailbox.to(subscriber.email) == []


def test_p28_item14_the_header_link_opened_in_a_browser_only_shows_the_button(
    ctx: AppContext, served: str, mailbox: Mailbox, subscriber: User
) -> None:
    send_news(ctx)
    page = httpx.get(header_link(mailbox.to(subscriber.email)[0]))
    assert page.status_code == 200 and 'type="submit"' in page.text
    assert marketing_state(ctx, subscriber).status is Status.GRANTED, "a GET changes nothing"


def test_p28_item14_one_click_works_with_a_multipart_body(
    ctx: AppContext, served: str, mailbox: Mailbox, subscriber: User
) -> None:
    """RFC 8058 allows multipart/form-data as well."""
    send_news(ctx)
    link = header_link(mailbox.to(subscriber.email)[0])
    answer = httpx.post(link, files={"List-Unsubscribe": (None, "One-Click")})
    assert answer.status_code == 200
    assert marketing_state(ctx, subscriber).status is Status.WITHDRAWN


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"", 422), (b"List-Unsubscribe=Maybe", 422), (b"unsubscribe=yes", 422)],
)
def test_p28_item14_a_post_without_the_one_click_body_changes_nothing(
    ctx: AppContext, client: TestClient, subscriber: User, body: bytes, status: int
) -> None:
    token = marketing.unsubscribe_token(ctx, subscriber.id)
    answer = client.post(f"{marketing.ONE_CLICK_PATH}?token={token}", content=body, headers=FORM)
    assert answer.status_code == status
    assert "consent.one_click_body" in answer.text or "List-Unsubscribe" in answer.text
    assert marketing_state(ctx, subscriber).status is Status.GRANTED


def _tampered(ctx: AppContext, user: User) -> list[str]:
    user_id, rest = marketing.unsubscribe_token(ctx, user.id).split(".", 1)
    kind, mac = rest.rsplit(".", 1)
    other_mac = hmac.new(b"not the service's key", f"{kind}:{user_id}".encode(), hashlib.sha256)
    return [
        "",
        "nonsense",
        f"{user_id}.{kind}.{other_mac.hexdigest()}",  # not signed by the service
        f"{user_id}.account.locked.{mac}",  # the signature is bound to the mail kind
        f"{'0' * 32}.{kind}.{mac}",  # ... and to the account
    ]


def test_p28_item14_a_forged_or_rebound_token_is_refused(
    ctx: AppContext, client: TestClient, subscriber: User
) -> None:
    for token in _tampered(ctx, subscriber):
        answer = client.post(
            f"{marketing.ONE_CLICK_PATH}?token={token}", content=ONE_CLICK_BODY, headers=FORM
        )
        assert answer.status_code == 404, token
        assert "not valid" in answer.text
    assert marketing_state(ctx, subscriber).status is Status.GRANTED


def test_p28_item14_links_in_mail_sent_before_kind_bound_tokens_still_unsubscribe(
    ctx: AppContext, client: TestClient, subscriber: User
) -> None:
    key = ctx.keyring.derive("marketing-unsubscribe")
    mac = hmac.new(key, f"marketing_email:{subscriber.id}".encode(), hashlib.sha256).hexdigest()
    answer = client.post(
        f"{marketing.ONE_CLICK_PATH}?token={subscriber.id}.{mac}",
        content=ONE_CLICK_BODY,
        headers=FORM,
    )
    assert answer.status_code == 200
    assert marketing_state(ctx, subscriber).status is Status.WITHDRAWN


def test_p50_item14_service_mail_carries_no_unsubscribe_header(
    client: TestClient, mailbox: Mailbox, subscriber: User
) -> None:
    client.post("/api/v1/auth/password-reset", json={"email": subscriber.email})
    (mail,) = mailbox.to(subscriber.email)
    assert mail["List-Unsubscribe"] is None and mail["List-Unsubscribe-Post"] is None


def test_p28_p50_item14_only_marketing_mail_and_all_of_it_has_an_unsubscribe_link() -> None:
    with pytest.raises(ValueError, match="unsubscribe"):
        OutgoingMail(to="a@example.org", subject="News", body="x", kind="marketing.news",
                     category=MARKETING)  # fmt: skip
    with pytest.raises(ValueError, match="unsubscribe"):
        OutgoingMail(to="a@example.org", subject="Maintenance", body="x", kind="service.notice",
                     unsubscribe_url="https://example.org/u")  # fmt: skip


def test_p28_item16_marketing_send_builds_links_from_the_public_url(
    settings: Settings,
    mailbox: Mailbox,
    subscriber: User,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The command runs beside the server and knows no port of its own: it says so."""
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
    send = ["privacy", "marketing", "send", "--subject", "News", "--body-file", str(body)]
    assert cli.main(send) == 0
    assert "set HEARTHWATCH_PUBLIC_URL" in capsys.readouterr().err

    mailbox.clear()
    monkeypatch.setenv("HEARTHWATCH_PUBLIC_URL", "https://cams.example.org")
    assert cli.main(send) == 0
    assert "HEARTHWATCH_PUBLIC_URL" not in capsys.readouterr().err
    (mail,) = mailbox.to(subscriber.email)
    assert header_link(mail).startswith("https://cams.example.org/privacy/unsubscribe/one-click?")
    assert "https://cams.example.org/privacy/unsubscribe?token=" in mail.get_content()
