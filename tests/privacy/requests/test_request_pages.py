"""The privacy centre and request pages (P25, P27) through the web app."""

from __future__ import annotations

from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from tests.conftest import STRONG_PASSWORD
from tests.support.forms import csrf
from tests.support.smtp import Mailbox


def test_privacy_centre_needs_sign_in_and_shows_the_authority(
    client: TestClient, alice: User, ctx: AppContext
) -> None:
    ctx.settings.supervisory_authority_name = "the Irish Data Protection Commission"
    page = client.get("/privacy")
    assert "the Irish Data Protection Commission" in page.text
    for link in ("/privacy/export", "/privacy/consents", "/privacy/erase", "/privacy/requests"):
        assert f'href="{link}' in page.text
    client.cookies.clear()
    assert client.get("/privacy", follow_redirects=False).status_code == 303


def test_p25_request_through_the_pages_with_password_and_mailed_code(
    client: TestClient, alice: User, mailbox: Mailbox
) -> None:
    token = csrf(client, "/privacy/requests?kind=complaint")
    wrong = client.post(
        "/privacy/requests",
        data={
            "csrf_token": token,
            "kind": "complaint",
            "details": "Too many mails",
            "password": "x",
        },
    )
    assert wrong.status_code == 401 and "The password is wrong." in wrong.text
    assert "Too many mails" in wrong.text  # what was typed is kept
    made = client.post(
        "/privacy/requests",
        data={"csrf_token": token, "kind": "complaint", "details": "Too many mails",
              "password": STRONG_PASSWORD},
        follow_redirects=False,
    )  # fmt: skip
    assert made.status_code == 303
    page_url = made.headers["location"]
    page = client.get(page_url)
    assert "Confirm it was you" in page.text and "Waiting for the code" in page.text
    request_path = page_url.split("?")[0]
    code = mailbox.last_code("alice@example.org")
    done = client.post(
        f"{request_path}/verify", data={"csrf_token": token, "code": f"{code[:3]} {code[3:]}"}
    )
    assert done.status_code == 200 and "Received, identity verified" in done.text
    assert "Confirm it was you" not in done.text


def test_form_problems_are_shown_next_to_the_fields(client: TestClient, alice: User) -> None:
    token = csrf(client, "/privacy/requests")
    answer = client.post(
        "/privacy/requests", data={"csrf_token": token, "kind": "", "details": "", "password": ""}
    )
    assert answer.status_code == 422
    assert "Choose what the request is about." in answer.text
    assert 'aria-invalid="true"' in answer.text


def test_forged_form_and_someone_elses_request_are_refused(
    client: TestClient, alice: User, make_user: object
) -> None:
    answer = client.post(
        "/privacy/requests",
        data={
            "csrf_token": "forged",
            "kind": "access",
            "details": "x",
            "password": STRONG_PASSWORD,
        },
    )
    assert answer.status_code == 403
    assert client.get("/privacy/requests/" + "0" * 32).status_code == 404


def test_p17_data_page_shows_every_exported_table_of_the_person(
    client: TestClient, alice: User, make_user: object, ctx: AppContext
) -> None:
    client.patch("/api/v1/me", json={"nickname": "Ally"})
    page = client.get("/privacy/data")
    assert page.status_code == 200
    assert "Your account" in page.text and "alice@example.org" in page.text and "Ally" in page.text
    assert "Where you are signed in" in page.text
    assert "argon2" not in page.text  # the password hash is never shown or exported
    make_user("bob@example.org")  # nobody else's rows
    assert "bob@example.org" not in client.get("/privacy/data").text
