"""The web pages through their HTML forms: who sees what, CSRF, redirects, the account flows."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from hearthwatch.accounts import credentials, profile, signin
from hearthwatch.accounts.models import ApiToken, BrowserSession, OneTimeCode, User
from hearthwatch.accounts.registration import find_user_by_email
from hearthwatch.app import create_app
from hearthwatch.context import AppContext, build_context
from hearthwatch.devices import binding
from hearthwatch.devices.models import Camera
from hearthwatch.settings import Settings
from hearthwatch.web.forms import safe_next
from hearthwatch.web.pages import router as pages_router
from tests.conftest import ADULT_BIRTH_MONTH, STRONG_PASSWORD
from tests.support.smtp import Mailbox
from tests.web.conftest import PageStructure, csrf_of, submit, web_sign_in

NEW_PASSWORD = "lantern-orchard-velvet-93"
VISITOR_PAGES = [
    "/signin", "/signup", "/confirm?email=a%40example.org", "/reset", "/reset/confirm",
    "/email/undo", "/complaints/new",
]  # fmt: skip
MEMBER_PAGES = [
    "/", "/profile", "/profile/email", "/sessions", "/security", "/security/compromised",
    "/cameras/add",
]  # fmt: skip
CSRF_REFUSED = "The form expired or came from another site"


def location(response: Any) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(response.headers["location"])
    return parts.path, parse_qs(parts.query)


# --- who sees which page -------------------------------------------------------------------


@pytest.mark.parametrize("path", VISITOR_PAGES)
def test_visitor_pages_render_with_a_token_matching_the_csrf_cookie(
    client: TestClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert csrf_of(response.text) == client.cookies.get("hw_csrf")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", MEMBER_PAGES)
def test_member_pages_redirect_visitors_to_sign_in_and_back(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    target, query = location(response)
    assert target == "/signin"
    assert query.get("next") == (None if path == "/" else [path])


@pytest.mark.parametrize("path", MEMBER_PAGES)
def test_member_pages_render_for_the_signed_in_person(
    client: TestClient, make_user: Any, path: str
) -> None:
    make_user("bob@example.org", nickname="Bob the Builder")
    make_user(nickname="Moonfox")
    web_sign_in(client, "alice@example.org")
    response = client.get(path)
    assert response.status_code == 200
    assert "Moonfox" in response.text
    assert "Bob the Builder" not in response.text
    assert 'aria-label="Main"' in response.text


@pytest.mark.parametrize("path", ["/signin", "/signup"])
def test_signed_in_people_skip_the_visitor_forms(
    client: TestClient, web_alice: User, path: str
) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_home_shows_the_empty_device_list(client: TestClient, web_alice: User) -> None:
    page = client.get("/").text
    assert "My devices" in page
    assert "No devices yet" in page
    assert 'href="/cameras/add"' in page


# --- the pages are accessible and CSP-clean ------------------------------------------------


def _pages_of_everyone(client: TestClient, make_user: Any) -> Iterator[tuple[str, str]]:
    for path in VISITOR_PAGES:
        yield path, client.get(path).text
    yield "signup error", submit(client, "/signup", {"email": "x", "password": "short"}).text
    make_user()
    web_sign_in(client, "alice@example.org")
    for path in MEMBER_PAGES:
        yield path, client.get(path).text
    yield "totp setup", submit(client, "/security/two-factor/setup", page="/security").text


def test_every_page_labels_its_inputs_and_has_nothing_inline(
    client: TestClient, make_user: Any
) -> None:
    """Labels and landmarks for keyboard and screen-reader use; no inline code for the CSP."""
    for name, html in _pages_of_everyone(client, make_user):
        page = PageStructure(html)
        labelled = {attrs["for"] for attrs in page.all("label")}
        for control in page.controls():
            assert control.get("id") in labelled, f"{name}: unlabelled {control}"
        assert len(page.ids()) == len(set(page.ids())), f"{name}: duplicate ids"
        assert (page.inline_scripts, page.style_blocks, page.styled()) == (0, 0, []), name
        assert page.all("html")[0]["lang"] == "en"
        assert page.all("main") and page.all("header"), name
        assert any(a.get("href") == "#content" for a in page.all("a")), f"{name}: no skip link"
        assert any(m.get("name") == "viewport" for m in page.all("meta")), name


def test_errors_are_tied_to_their_inputs(client: TestClient) -> None:
    page = submit(client, "/signup", {"email": "not-an-address", "password": "short"})
    assert page.status_code == 422
    inputs = {a["id"]: a for a in PageStructure(page.text).all("input") if a.get("id")}
    assert inputs["email"]["aria-invalid"] == "true"
    assert "email-error" in str(inputs["email"]["aria-describedby"])
    assert 'id="email-error"' in page.text
    assert 'role="alert"' in page.text


# --- CSRF: every form is refused without its token -----------------------------------------

# The one form route that takes no CSRF token, and why: nothing else may join it.
CSRF_EXEMPT: dict[str, str] = {
    "/privacy/unsubscribe/one-click": "RFC 8058: a mail client posts with no cookie; the "
    "signed token in the address is the proof, and it only withdraws marketing consent",
}
POST_ROUTES = sorted(
    str(route.path)
    for route in iter_route_contexts(pages_router.routes)
    if "POST" in (route.methods or ()) and str(route.path) not in CSRF_EXEMPT
)

GENUINE_FIELDS: dict[str, dict[str, str]] = {
    "/signup": {
        "email": "newcomer@example.org",
        "password": STRONG_PASSWORD,
        "birth_month": ADULT_BIRTH_MONTH,
    },
    "/confirm": {"email": "alice@example.org", "code": "123456"},
    "/confirm/resend": {"email": "alice@example.org"},
    "/signin": {"email": "alice@example.org", "password": STRONG_PASSWORD},
    "/signin/code": {"email": "alice@example.org"},
    "/signin/code/confirm": {"email": "alice@example.org", "code": "123456"},
    "/signin/two-step": {"code": "123456"},
    "/signout": {},
    "/reset": {"email": "alice@example.org"},
    "/reset/confirm": {
        "email": "alice@example.org",
        "code": "123456",
        "new_password": NEW_PASSWORD,
    },
    "/profile": {"nickname": "Mallory was here", "real_name": ""},
    "/profile/picture": {},
    "/profile/email": {"new_email": "mallory@example.org", "password": STRONG_PASSWORD},
    "/profile/email/confirm": {"code": "123456"},
    "/email/undo": {"email": "alice@example.org", "code": "123456"},
    "/profile/picture/delete": {},
    "/sessions/{session_id}/end": {},
    "/sessions/end-all": {},
    "/security/password": {"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD},
    "/security/tokens": {"name": "sneaky"},
    "/security/tokens/{token_id}/revoke": {},
    "/security/two-factor/setup": {},
    "/security/two-factor/enable": {"code": "123456"},
    "/security/two-factor/disable": {"password": STRONG_PASSWORD, "code": "123456"},
    "/security/two-factor/recovery-codes": {"password": STRONG_PASSWORD},
    "/security/compromised": {},
    "/cameras/add/scan": {"payload": "HWCAM1;S=ABCDEFGH123;V=ABCDEF"},
    "/cameras/add/photo": {},
    "/cameras/add/code": {"serial": "ABCDEFGH123", "verification_code": "ABCDEF"},
    "/cameras/add/rtsp": {"url": "rtsp://192.0.2.66/stream", "name": "Sneaky"},
    "/cameras/add/rtsp/test": {"url": "rtsp://192.0.2.66/stream"},
    "/cameras/{camera_id}/connection": {"url": "rtsp://192.0.2.67/stream", "save_offline": "true"},
    "/cameras/{camera_id}/settings": {"name": "Mallory was here", "recording_mode": "off"},
    "/cameras/{camera_id}/remove": {},
    "/privacy/report-child": {"email": "alice@example.org"},
    "/complaints/new": {"email": "alice@example.org", "details": "Forged complaint."},
    "/complaints/{pending_id}/verify": {"code": "123456"},
    "/complaints/{pending_id}/code": {},
    "/guardian/consent": {"token": "forged", "decision": "refuse", "guardian_name": "Mallory"},
    "/guardian/name": {"token": "forged", "guardian_email": "mallory@example.org"},
    "/guardian/report": {"token": "forged", "answer": "I am a grown-up."},
    "/privacy/analytics/view": {},
    "/privacy/consents/{purpose}": {"decision": "grant"},
    "/privacy/cookies": {"choice": "accept_all"},
    "/privacy/preferences": {"theme": "dark"},
    "/privacy/notice/accept": {"version": "1"},
    "/privacy/unsubscribe": {"token": "forged"},
    "/privacy/erase/account": {"password": STRONG_PASSWORD, "code": "123456"},
    "/privacy/erase/account/code": {},
    "/privacy/erase/device": {"camera_id": "{camera_id}", "unbind": "on"},
    "/privacy/erase/range": {"camera_id": "{camera_id}", "start": "2026-01-01T00:00"},
    "/privacy/export": {"password": STRONG_PASSWORD},
    "/privacy/export/{export_id}/delete": {},
    "/events/seen-all": {},
    "/home/arming/mode": {"mode": "off"},
    "/home/arming/modes/{mode}": {},
    "/home/arming/home": {"name": "Mallory's", "timezone": "UTC"},
    "/home/arming/schedules": {"at": "08:00", "mode": "off", "day-mon": "on"},
    "/home/arming/schedules/{schedule_id}/delete": {},
    "/privacy/import": {},
    "/privacy/close": {"password": STRONG_PASSWORD},
    "/privacy/limits/object": {"use": "product_analytics"},
    "/privacy/limits/restrict": {"use": "all"},
    "/privacy/limits/{limit_id}/lift": {},
    "/privacy/requests": {"kind": "access", "details": "All", "password": STRONG_PASSWORD},
    "/privacy/requests/{request_id}/code": {},
    "/privacy/requests/{request_id}/verify": {"code": "123456"},
    "/operator/requests/{request_id}/start": {},
    "/operator/requests/{request_id}/complete": {"resolution": "Done."},
    "/operator/requests/{request_id}/refuse": {"refusal_reason": "No."},
    "/operator/requests/{request_id}/extend": {"months": "1", "extension_reason": "Busy."},
    "/operator/requests/{request_id}/charge": {"fee": "5", "fee_reason": "Repeat."},
    "/operator/minors/{account_id}/clear": {"reason": "Passport."},
    "/operator/minors/reports/{report_id}/dismiss": {"reason": "Not a child."},
    "/operator/minors/reports/{report_id}/confirm": {"reason": "A child."},
    "/operator/requests/{request_id}/correct": {
        "target": "users.real_name",
        "corrected_value": "Mallory",
    },
}


def test_every_form_route_has_a_csrf_case() -> None:
    assert set(POST_ROUTES) == set(GENUINE_FIELDS)
    routes = iter_route_contexts(pages_router.routes)
    every = {str(r.path) for r in routes if "POST" in (r.methods or ())}
    assert every - set(POST_ROUTES) == set(CSRF_EXEMPT)


def _account_state(ctx: AppContext, mailbox: Mailbox) -> tuple[Any, ...]:
    with ctx.db.session() as session:
        user = find_user_by_email(session, "alice@example.org")
        assert user is not None
        return (
            session.scalar(select(func.count()).select_from(User)),
            (user.nickname, user.real_name, user.password_hash, user.compromised_at),
            (user.totp_secret, user.email),
            session.scalar(select(func.count()).where(BrowserSession.revoked_at.is_(None))),
            session.scalar(select(func.count()).where(ApiToken.revoked_at.is_(None))),
            profile.get_picture(session, user=user).data,
            len(mailbox.messages),
            [(c.id, c.name, c.recording_mode) for c in session.scalars(select(Camera))],
        )


@pytest.fixture
def alice_with_things(ctx: AppContext, client: TestClient, web_alice: User) -> dict[str, str]:
    """Alice signed in, with a picture and a token, so refused forms have something to harm."""
    with ctx.db.session() as session:
        user = session.get(User, web_alice.id)
        assert user is not None
        profile.set_picture(ctx, session, user=user, data=_png())
        token = credentials.create_token(ctx, session, user=user, name="mine", expires_in_days=None)
        current = credentials.active_sessions(ctx, session, user=user)[0]
        camera = binding.bind_by_url(
            ctx,
            session,
            user=user,
            url="rtsp://192.0.2.10/stream",
            username=None,
            password=None,
            add_offline=True,  # nothing answers there (issue 12 item 6)
            name="Porch",
        )
        return {
            "session_id": current.id,
            "token_id": token.token.id,
            "camera_id": camera.id,
            "purpose": "marketing_email",
            "export_id": "0" * 32,
            "limit_id": "0" * 32,
            "request_id": "0" * 32,
            "account_id": "0" * 32,
            "pending_id": "0" * 32,
            "report_id": "0" * 32,
            "schedule_id": "0" * 32,
            "mode": "away",
        }


@pytest.mark.parametrize("token", ["missing", "wrong"])
@pytest.mark.parametrize("route", POST_ROUTES)
def test_forms_without_the_right_csrf_token_are_refused_and_change_nothing(
    client: TestClient,
    ctx: AppContext,
    mailbox: Mailbox,
    alice_with_things: dict[str, str],
    route: str,
    token: str,
) -> None:
    before = _account_state(ctx, mailbox)
    data = {k: v.format(**alice_with_things) for k, v in GENUINE_FIELDS[route].items()}
    if token == "wrong":
        data["csrf_token"] = "not-the-cookie-value"
    upload = ("me.png", _png("blue"), "image/png")
    files = (
        {"picture": upload}
        if route.endswith("picture")
        else {"qr_image": upload}
        if route.endswith("photo")
        else None
    )
    path = route.format(**alice_with_things)
    response = client.post(path, data=data, files=files, follow_redirects=False)
    assert response.status_code == 403
    assert CSRF_REFUSED in response.text
    assert _account_state(ctx, mailbox) == before
    assert client.get("/profile", follow_redirects=False).status_code == 200


# --- P1: sign up with an e-mail address and a password, pseudonyms welcome ----------------


def test_p1_sign_up_confirm_sign_in_and_edit_profile_through_the_forms(
    client: TestClient, mailbox: Mailbox
) -> None:
    signup = client.get("/signup").text
    assert "Pseudonyms are welcome" in signup
    response = submit(
        client,
        "/signup",
        {
            "email": "Robin@Example.org",
            "password": STRONG_PASSWORD,
            "birth_month": ADULT_BIRTH_MONTH,
        },
    )
    assert response.status_code == 303
    assert location(response) == ("/confirm", {"email": ["Robin@example.org"]})

    code = mailbox.last_code("robin@example.org")
    confirm_page = "/confirm?email=robin%40example.org"
    response = submit(
        client, "/confirm", {"email": "robin@example.org", "code": code}, page=confirm_page
    )
    assert location(response) == (
        "/signin",
        {"email": ["robin@example.org"], "done": ["email_confirmed"]},
    )
    assert "Your e-mail address is confirmed" in client.get(response.headers["location"]).text

    web_sign_in(client, "robin@example.org")
    response = submit(client, "/profile", {"nickname": "Nightjar", "real_name": ""})
    assert location(response) == ("/profile", {"done": ["profile_saved"]})
    page = client.get("/profile?done=profile_saved").text
    assert "Your profile is saved." in page
    assert 'value="Nightjar"' in page
    assert "Nightjar" in client.get("/").text


def test_p1_pseudonym_and_no_real_name_are_fine(
    client: TestClient, ctx: AppContext, mailbox: Mailbox
) -> None:
    fields = {
        "email": "fox@example.org",
        "password": STRONG_PASSWORD,
        "birth_month": ADULT_BIRTH_MONTH,
        "nickname": "Mr Fox",
    }
    assert submit(client, "/signup", fields).status_code == 303
    with ctx.db.session() as session:
        user = find_user_by_email(session, "fox@example.org")
        assert user is not None
        assert (user.nickname, user.real_name) == ("Mr Fox", None)


def test_p1_weak_password_shows_strength_feedback_and_keeps_the_other_fields(
    client: TestClient, ctx: AppContext
) -> None:
    fields = {
        "email": "robin@example.org",
        "password": "robin12345",
        "birth_month": ADULT_BIRTH_MONTH,
        "nickname": "Robin",
    }
    response = submit(client, "/signup", fields)
    assert response.status_code == 422
    assert "Password strength:" in response.text
    assert 'value="robin@example.org"' in response.text
    assert 'value="Robin"' in response.text
    assert "robin12345" not in response.text
    with ctx.db.session() as session:
        assert find_user_by_email(session, "robin@example.org") is None


def test_wrong_confirmation_code_is_shown_and_counted(
    client: TestClient, ctx: AppContext, mailbox: Mailbox
) -> None:
    submit(
        client,
        "/signup",
        {
            "email": "robin@example.org",
            "password": STRONG_PASSWORD,
            "birth_month": ADULT_BIRTH_MONTH,
        },
    )
    wrong = "000000" if mailbox.last_code("robin@example.org") != "000000" else "111111"
    fields = {"email": "robin@example.org", "code": wrong}
    response = submit(client, "/confirm", fields, page="/confirm")
    assert response.status_code == 422
    assert "The code is wrong." in response.text
    with ctx.db.session() as session:
        assert session.scalar(select(OneTimeCode.attempts)) == 1


def test_a_new_confirmation_code_can_be_requested(client: TestClient, mailbox: Mailbox) -> None:
    submit(
        client,
        "/signup",
        {
            "email": "robin@example.org",
            "password": STRONG_PASSWORD,
            "birth_month": ADULT_BIRTH_MONTH,
        },
    )
    response = submit(client, "/confirm/resend", {"email": "robin@example.org"}, page="/confirm")
    assert location(response) == (
        "/confirm",
        {"email": ["robin@example.org"], "done": ["code_sent"]},
    )
    assert len(mailbox.to("robin@example.org")) == 2


# --- signing in and out --------------------------------------------------------------------


def test_wrong_password_is_shown_next_to_the_form(client: TestClient, make_user: Any) -> None:
    make_user()
    response = submit(client, "/signin", {"email": "alice@example.org", "password": "nope"})
    assert response.status_code == 401
    assert "The e-mail or password is wrong." in response.text
    assert 'value="alice@example.org"' in response.text
    assert "hw_session" not in client.cookies


def test_p3_item12_slow_down_is_explained_with_a_way_out(
    client: TestClient, make_user: Any, ctx: AppContext
) -> None:
    make_user()
    fields = {"email": "alice@example.org", "password": STRONG_PASSWORD}
    with ctx.clock.frozen():
        for _ in range(ctx.settings.login_failures_before_lock + 1):
            submit(client, "/signin", fields | {"password": "wrong password"})
        response = submit(client, "/signin", fields)
    assert response.status_code == 429
    assert "Too many wrong passwords for this account from your address" in response.text
    assert 'formaction="/signin/code"' in response.text
    assert "Send me a sign-in code" in response.text


def test_unconfirmed_account_is_pointed_to_its_code(client: TestClient, mailbox: Mailbox) -> None:
    submit(
        client,
        "/signup",
        {
            "email": "robin@example.org",
            "password": STRONG_PASSWORD,
            "birth_month": ADULT_BIRTH_MONTH,
        },
    )
    fields = {"email": "robin@example.org", "password": STRONG_PASSWORD}
    response = submit(client, "/signin", fields)
    assert response.status_code == 403
    assert 'href="/confirm?email=robin%40example.org"' in response.text


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/\n/evil.example",
        " //evil.example",
    ],
)
def test_sign_in_never_redirects_off_site(client: TestClient, make_user: Any, target: str) -> None:
    make_user()
    page = client.get("/signin", params={"next": target}).text
    assert 'name="next" value="/"' in page
    fields = {"email": "alice@example.org", "password": STRONG_PASSWORD, "next": target}
    response = submit(client, "/signin", fields)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    again = client.get("/signin", params={"next": target}, follow_redirects=False)
    assert again.headers["location"] == "/"


def test_sign_in_returns_to_the_page_asked_for(client: TestClient, make_user: Any) -> None:
    make_user()
    first = client.get("/security", follow_redirects=False)
    page = client.get(first.headers["location"]).text
    assert 'name="next" value="/security"' in page
    fields = {"email": "alice@example.org", "password": STRONG_PASSWORD, "next": "/security"}
    response = submit(client, "/signin", fields, page=first.headers["location"])
    assert response.headers["location"] == "/security"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/profile", "/profile"),
        ("/security?tab=1#tokens", "/security?tab=1#tokens"),
        ("", "/"),
        (None, "/"),
        ("profile", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/\tevil", "/"),
        ("https://evil.example/x", "/"),
    ],
)
def test_safe_next_keeps_only_local_paths(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_sign_out_ends_this_session(client: TestClient, web_alice: User) -> None:
    response = submit(client, "/signout", page="/")
    assert location(response) == ("/signin", {"done": ["signed_out"]})
    assert "hw_session" not in client.cookies
    assert "You are signed out." in client.get("/signin?done=signed_out").text
    assert client.get("/", follow_redirects=False).headers["location"] == "/signin"


def test_an_ended_session_cookie_no_longer_works(
    client: TestClient, ctx: AppContext, web_alice: User
) -> None:
    stolen = client.cookies["hw_session"]
    submit(client, "/signout", page="/")
    with ctx.db.session() as session:
        assert signin.caller_from_session(ctx, session, stolen) is None


# --- P2: reset the password with a mailed code ---------------------------------------------


def test_p2_reset_password_with_the_mailed_code(
    client: TestClient, make_user: Any, mailbox: Mailbox
) -> None:
    make_user()
    response = submit(client, "/reset", {"email": "alice@example.org"})
    assert location(response) == (
        "/reset/confirm",
        {"email": ["alice@example.org"], "done": ["reset_code_sent"]},
    )
    fields = {
        "email": "alice@example.org",
        "code": mailbox.last_code("alice@example.org"),
        "new_password": NEW_PASSWORD,
    }
    response = submit(client, "/reset/confirm", fields)
    assert location(response) == (
        "/signin",
        {"email": ["alice@example.org"], "done": ["password_reset"]},
    )
    web_sign_in(client, "alice@example.org", NEW_PASSWORD)


def test_p2_reset_for_an_unknown_address_looks_the_same(
    client: TestClient, mailbox: Mailbox
) -> None:
    response = submit(client, "/reset", {"email": "nobody@example.org"})
    assert location(response)[1]["done"] == ["reset_code_sent"]
    assert mailbox.messages == []


def test_p2_weak_new_password_keeps_the_code_usable(
    client: TestClient, make_user: Any, mailbox: Mailbox
) -> None:
    make_user()
    submit(client, "/reset", {"email": "alice@example.org"})
    code = mailbox.last_code("alice@example.org")
    fields = {"email": "alice@example.org", "code": code, "new_password": "alice1234567"}
    response = submit(client, "/reset/confirm", fields)
    assert response.status_code == 422
    assert 'id="new_password-error"' in response.text
    assert "Password strength:" in response.text
    fields["new_password"] = NEW_PASSWORD
    assert submit(client, "/reset/confirm", fields).status_code == 303


# --- P3: "my account is compromised" locks it at once --------------------------------------


def test_p3_reporting_a_compromise_locks_the_account(
    client: TestClient, web_alice: User, mailbox: Mailbox
) -> None:
    confirm = client.get("/security/compromised").text
    assert "Yes, lock my account" in confirm
    response = submit(client, "/security/compromised")
    assert location(response) == ("/signin", {"done": ["account_locked"]})
    assert "hw_session" not in client.cookies
    assert "Your account is locked" in client.get(response.headers["location"]).text
    assert "locked" in str(mailbox.to("alice@example.org")[-1]["Subject"])
    fields = {"email": "alice@example.org", "password": STRONG_PASSWORD}
    again = submit(client, "/signin", fields)
    assert again.status_code == 423
    assert "reported as compromised" in again.text


# --- P45: personal data is masked on screen ------------------------------------------------


def test_issue12_item18_the_header_shows_the_owner_their_own_address_in_full(
    client: TestClient, web_alice: User
) -> None:
    """Masking (P45) is for what others see: Alice's own pages name her address whole."""
    for path in MEMBER_PAGES:
        page = client.get(path).text
        assert "alice@example.org" in page
        assert "a***@e***.org" not in page


def test_issue12_item18_sessions_show_the_owner_their_own_addresses_whole(
    client: TestClient, ctx: AppContext, web_alice: User
) -> None:
    """P45 masks what others see; the sessions page is Alice's own (issue 12 item 18)."""
    agent = "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0"
    with ctx.db.session() as session:
        signin.login(
            ctx,
            session,
            email="alice@example.org",
            password=STRONG_PASSWORD,
            totp_code=None,
            ip_address="203.0.113.77",
            user_agent=agent,
        )
    page = client.get("/sessions").text
    assert "203.0.113.77" in page
    assert "203.0.113.0" not in page
    assert "Firefox on Android" in page
    assert "This device" in page


# --- the demo outbox ----------------------------------------------------------------------


def test_outbox_is_not_found_with_real_mail(client: TestClient) -> None:
    response = client.get("/outbox")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_outbox_shows_codes_in_the_demo(settings: Settings) -> None:
    demo = build_context(settings.model_copy(update={"mail_backend": "outbox"}))
    try:
        with TestClient(create_app(demo)) as browser:
            signup = {
                "email": "robin@example.org",
                "password": STRONG_PASSWORD,
                "birth_month": ADULT_BIRTH_MONTH,
            }
            submit(browser, "/signup", signup)
            assert "Read your code in the outbox" in browser.get("/confirm?email=r%40x.org").text
            page = browser.get("/outbox", params={"to": "robin@example.org"}).text
            assert "Your Hearthwatch confirmation code" in page
            assert "r***@e***.org" in page
            other = browser.get("/outbox", params={"to": "nobody@example.org"}).text
            assert "No mail yet" in other
    finally:
        demo.db.dispose()


def _png(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, format="PNG")
    return out.getvalue()
