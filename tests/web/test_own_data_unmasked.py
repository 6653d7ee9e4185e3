"""Issue 12 item 18: a person's own data is shown to them in full; masking (P45) stays where
someone else sees it (the log, the demo outbox, operator views)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from hearthwatch.accounts import signin
from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from tests.conftest import STRONG_PASSWORD


def _session_from(ctx: AppContext, address: str) -> None:
    with ctx.db.session() as session:
        signin.login(
            ctx,
            session,
            email="alice@example.org",
            password=STRONG_PASSWORD,
            totp_code=None,
            ip_address=address,
            user_agent="Mozilla/5.0 (iPhone) Safari/605.1",
        )


def test_issue12_item18_the_sessions_page_shows_the_owner_each_address_whole(
    client: TestClient, ctx: AppContext, web_alice: User
) -> None:
    _session_from(ctx, "198.51.100.7")
    page = client.get("/sessions").text
    assert "198.51.100.7" in page and "198.51.100.0" not in page
    assert "127.0.0.0" not in page


def test_issue12_item18_the_greeting_names_the_owner_by_their_address(
    client: TestClient, web_alice: User
) -> None:
    home = client.get("/").text
    assert "Hello, alice@example.org." in home and "a***@e***.org" not in home


def test_issue12_item18_the_sessions_api_answers_the_owner_in_full(
    client: TestClient, ctx: AppContext, alice: User
) -> None:
    _session_from(ctx, "2001:db8:85a3::8a2e:370:7334")
    sessions = client.get("/api/v1/me/sessions").json()
    addresses = {s["ip_address"] for s in sessions}
    assert "2001:db8:85a3::8a2e:370:7334" in addresses


def test_issue12_item18_the_confirm_page_shows_the_address_as_typed(client: TestClient) -> None:
    """Whole, so a typo in it can be seen (the visitor typed it themselves)."""
    page = client.get("/confirm", params={"email": "robin@exmaple.org"}).text
    assert "<strong>robin@exmaple.org</strong>" in page
