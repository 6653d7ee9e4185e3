"""Profile picture, sessions and the security page, through their forms."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from hearthwatch.accounts import credentials, signin, totp
from hearthwatch.accounts.models import User
from hearthwatch.accounts.registration import find_user_by_email
from hearthwatch.clock import Clock
from hearthwatch.context import AppContext
from tests.conftest import STRONG_PASSWORD
from tests.support.smtp import Mailbox
from tests.web.conftest import submit, web_sign_in

NEW_PASSWORD = "lantern-orchard-velvet-93"
OTPAUTH_SECRET = re.compile(r"secret=([A-Z2-7]+)")
RECOVERY_CODE = re.compile(r"<code>([2-9a-z]{5}-[2-9a-z]{5})</code>")


@pytest.fixture
def frozen(ctx: AppContext) -> Iterator[Clock]:
    """Frozen time, so authenticator codes are predictable and can move 30 s on."""
    with ctx.clock.frozen() as clock:
        yield clock


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(out, format="PNG")
    return out.getvalue()


# --- profile picture -----------------------------------------------------------------------


def test_profile_picture_upload_show_and_remove(client: TestClient, web_alice: User) -> None:
    files = {"picture": ("me.png", _png(), "image/png")}
    response = submit(client, "/profile/picture", files=files, page="/profile")
    assert response.headers["location"] == "/profile?done=picture_saved"
    assert '<img class="picture" src="/profile/picture?v=' in client.get("/profile").text
    shown = client.get("/profile/picture")
    assert shown.headers["content-type"] == "image/png"
    assert "no-store" in shown.headers["cache-control"]

    response = submit(client, "/profile/picture/delete", page="/profile")
    assert response.headers["location"] == "/profile?done=picture_removed"
    assert client.get("/profile/picture").status_code == 404


def test_a_file_that_is_not_a_picture_is_explained(client: TestClient, web_alice: User) -> None:
    files = {"picture": ("notes.txt", b"just some words", "text/plain")}
    response = submit(client, "/profile/picture", files=files, page="/profile")
    assert response.status_code == 422
    assert "That file is not a picture we can read." in response.text
    assert 'id="picture-error"' in response.text


def test_uploading_nothing_is_explained(client: TestClient, web_alice: User) -> None:
    response = submit(client, "/profile/picture", page="/profile")
    assert response.status_code == 422
    assert "Choose a picture to upload." in response.text


def test_pictures_are_private(client: TestClient) -> None:
    assert client.get("/profile/picture").status_code == 404


def test_profile_fields_can_be_cleared(client: TestClient, ctx: AppContext, make_user: Any) -> None:
    make_user(nickname="Moonfox")
    web_sign_in(client, "alice@example.org")
    submit(client, "/profile", {"nickname": "", "real_name": "  "})
    with ctx.db.session() as session:
        user = find_user_by_email(session, "alice@example.org")
        assert user is not None
        assert (user.nickname, user.real_name) == (None, None)


def test_too_long_nickname_is_refused_inline(client: TestClient, web_alice: User) -> None:
    response = submit(client, "/profile", {"nickname": "x" * 65, "real_name": ""})
    assert response.status_code == 422
    assert 'id="nickname-error"' in response.text


# --- sessions ------------------------------------------------------------------------------


def _second_session(ctx: AppContext) -> str:
    with ctx.db.session() as session:
        opened = signin.login(
            ctx,
            session,
            email="alice@example.org",
            password=STRONG_PASSWORD,
            totp_code=None,
            ip_address="198.51.100.7",
            user_agent="Mozilla/5.0 (iPhone) Safari/605.1",
        )
        return opened.session.id


def test_ending_another_session_keeps_this_one(
    client: TestClient, ctx: AppContext, web_alice: User
) -> None:
    other = _second_session(ctx)
    assert "Safari on iPhone" in client.get("/sessions").text
    response = submit(client, f"/sessions/{other}/end", page="/sessions")
    assert response.headers["location"] == "/sessions?done=session_ended"
    page = client.get("/sessions?done=session_ended").text
    assert "That session has ended." in page
    assert "Safari on iPhone" not in page


def test_ending_an_unknown_session_is_explained(client: TestClient, web_alice: User) -> None:
    response = submit(client, "/sessions/" + "0" * 32 + "/end", page="/sessions")
    assert response.status_code == 404
    assert "No such active session." in response.text


def test_sign_out_everywhere(client: TestClient, ctx: AppContext, web_alice: User) -> None:
    _second_session(ctx)
    response = submit(client, "/sessions/end-all", page="/sessions")
    assert response.headers["location"] == "/signin?done=signed_out_everywhere"
    assert client.get("/", follow_redirects=False).status_code == 303
    with ctx.db.session() as session:
        user = session.get(User, web_alice.id)
        assert user is not None
        assert credentials.active_sessions(ctx, session, user=user) == []


# --- password ------------------------------------------------------------------------------


def test_change_password(client: TestClient, web_alice: User, mailbox: Mailbox) -> None:
    fields = {"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD}
    response = submit(client, "/security/password", fields, page="/security")
    assert response.headers["location"] == "/security?done=password_changed"
    assert client.get("/", follow_redirects=False).status_code == 200
    assert "password was changed" in str(mailbox.to("alice@example.org")[-1]["Subject"])


@pytest.mark.parametrize(
    ("current", "new", "status", "field"),
    [
        ("wrong-password", NEW_PASSWORD, 401, "pw-current_password"),
        (STRONG_PASSWORD, "alice1234567", 422, "pw-new_password"),
        ("", "", 422, "pw-current_password"),
    ],
)
def test_password_change_problems_sit_next_to_their_field(
    client: TestClient, web_alice: User, current: str, new: str, status: int, field: str
) -> None:
    fields = {"current_password": current, "new_password": new}
    response = submit(client, "/security/password", fields, page="/security")
    assert response.status_code == status
    assert f'id="{field}-error"' in response.text


# --- API tokens ----------------------------------------------------------------------------


def test_token_secret_is_shown_once_and_revoking_works(client: TestClient, web_alice: User) -> None:
    fields = {"name": "Home Assistant", "expires_in_days": "30"}
    created = submit(client, "/security/tokens", fields, page="/security")
    assert created.status_code == 200
    secret = re.search(r'id="new-token-secret" tabindex="0">(hwt_[^<]+)<', created.text)
    assert secret, "the new secret is shown"
    bearer = {"authorization": f"Bearer {secret.group(1)}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200

    page = client.get("/security").text
    assert "Home Assistant" in page
    assert secret.group(1) not in page
    token_id = re.search(r'action="/security/tokens/([0-9a-f]{32})/revoke"', page)
    assert token_id
    response = submit(client, f"/security/tokens/{token_id.group(1)}/revoke", page="/security")
    assert response.headers["location"] == "/security?done=token_revoked"
    assert client.get("/api/v1/me", headers=bearer).status_code == 401


def test_token_needs_a_name(client: TestClient, web_alice: User) -> None:
    response = submit(client, "/security/tokens", {"name": "  "}, page="/security")
    assert response.status_code == 422
    assert 'id="tk-name-error"' in response.text


# --- two-step sign-in ----------------------------------------------------------------------


def test_issue12_item17_two_step_sign_in_set_up_used_as_a_step_and_turned_off(
    client: TestClient, ctx: AppContext, web_alice: User, frozen: Clock
) -> None:
    setup = submit(client, "/security/two-factor/setup", page="/security")
    assert 'class="qr"' in setup.text and "<svg" in setup.text
    found = OTPAUTH_SECRET.search(setup.text)
    assert found
    app = pyotp.TOTP(found.group(1))
    response = submit(
        client, "/security/two-factor/enable", {"code": app.at(frozen.now())}, page="/security"
    )
    # The recovery codes are in this answer, once; the page counts them afterwards.
    assert response.status_code == 200 and "Two-step sign-in is on." in response.text
    codes = RECOVERY_CODE.findall(response.text)
    assert len(codes) == 10
    later = client.get("/security").text
    assert not RECOVERY_CODE.findall(later) and "<strong>10</strong> of 10 recovery codes" in later

    submit(client, "/signout", page="/")
    fields = {"email": "alice@example.org", "password": STRONG_PASSWORD}
    asked = submit(client, "/signin", fields)
    assert asked.status_code == 303 and asked.headers["location"] == "/signin/two-step?next=%2F"
    step = client.get(asked.headers["location"]).text
    assert 'id="code"' in step and 'name="password"' not in step
    frozen.advance(timedelta(seconds=30))
    response = submit(client, "/signin/two-step", {"code": app.at(frozen.now()), "next": "/"})
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert "<strong>10</strong> of 10" in client.get("/security").text

    frozen.advance(timedelta(seconds=30))
    fields = {"password": STRONG_PASSWORD, "code": app.at(frozen.now())}
    response = submit(client, "/security/two-factor/disable", fields, page="/security")
    assert response.headers["location"] == "/security?done=totp_disabled"


def test_wrong_authenticator_code_keeps_the_setup_going(
    client: TestClient, ctx: AppContext, web_alice: User
) -> None:
    submit(client, "/security/two-factor/setup", page="/security")
    response = submit(client, "/security/two-factor/enable", {"code": "12345"}, page="/security")
    assert response.status_code == 422
    assert 'id="tf-code-error"' in response.text
    assert "Start again with a new QR code" in response.text


def test_issue12_item17_a_wrong_authenticator_code_asks_the_step_again(
    client: TestClient, ctx: AppContext, make_user: Any, frozen: Clock
) -> None:
    make_user()
    with ctx.db.session() as session:
        user = find_user_by_email(session, "alice@example.org")
        assert user is not None
        setup = totp.begin_setup(ctx, user)
        right = pyotp.TOTP(setup.secret).at(frozen.now())
        totp.enable(ctx, user, right)
    wrong = "000000" if right != "000000" else "111111"
    fields = {"email": "alice@example.org", "password": STRONG_PASSWORD}
    assert submit(client, "/signin", fields).status_code == 303
    response = submit(client, "/signin/two-step", {"code": wrong}, page="/signin/two-step")
    assert response.status_code == 422
    assert "The authenticator code is wrong." in response.text
    # Issue 12 item 17: the step is asked again, never the password.
    assert 'id="code-error"' in response.text and 'name="password"' not in response.text
