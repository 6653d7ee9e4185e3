"""Sign-up and e-mail confirmation (P1)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADULT_BIRTH_MONTH, STRONG_PASSWORD
from tests.support.smtp import Mailbox

REGISTER = "/api/v1/auth/register"
CONFIRM = "/api/v1/auth/confirm"
LOGIN = "/api/v1/auth/login"


def register(client: TestClient, **fields: Any) -> Any:
    body = {
        "email": "pseudo@example.org",
        "password": STRONG_PASSWORD,
        "birth_month": ADULT_BIRTH_MONTH,
        **fields,
    }
    return client.post(REGISTER, json=body)


def test_p1_register_with_only_email_and_password(client: TestClient, mailbox: Mailbox) -> None:
    assert register(client).status_code == 202
    code = mailbox.last_code("pseudo@example.org")
    confirmed = client.post(CONFIRM, json={"email": "pseudo@example.org", "code": code})
    assert confirmed.status_code == 200
    me = confirmed.json()
    assert me["email_confirmed"] is True
    assert me["nickname"] is None and me["real_name"] is None


def test_p1_pseudonym_and_optional_names_are_kept(client: TestClient, mailbox: Mailbox) -> None:
    register(client, nickname="Night Owl", real_name="")
    code = mailbox.last_code("pseudo@example.org")
    me = client.post(CONFIRM, json={"email": "pseudo@example.org", "code": code}).json()
    assert me["nickname"] == "Night Owl"
    assert me["real_name"] is None


def test_p1_sign_in_needs_a_confirmed_address(client: TestClient, mailbox: Mailbox) -> None:
    register(client)
    response = client.post(LOGIN, json={"email": "pseudo@example.org", "password": STRONG_PASSWORD})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "auth.email_unconfirmed"
    code = mailbox.last_code("pseudo@example.org")
    client.post(CONFIRM, json={"email": "pseudo@example.org", "code": code})
    response = client.post(LOGIN, json={"email": "pseudo@example.org", "password": STRONG_PASSWORD})
    assert response.status_code == 200


def test_p1_email_is_case_insensitive(client: TestClient, mailbox: Mailbox) -> None:
    register(client, email="Mixed.Case@Example.ORG")
    code = mailbox.last_code("mixed.case@example.org")
    response = client.post(CONFIRM, json={"email": "MIXED.case@example.org", "code": code})
    assert response.status_code == 200


def test_p3_weak_password_is_refused_with_advice(client: TestClient) -> None:
    response = register(client, password="password123")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "auth.weak_password"
    assert error["message"]
    assert error["details"]["score"] < 3


def test_p3_password_echoing_the_address_is_weak(client: TestClient) -> None:
    response = register(client, email="stormcloud1987@example.org", password="stormcloud1987!")
    assert response.json()["error"]["code"] == "auth.weak_password"


def test_p3_password_strength_endpoint_gives_feedback(client: TestClient) -> None:
    weak = client.post("/api/v1/auth/password-strength", json={"password": "qwerty12345"}).json()
    strong = client.post("/api/v1/auth/password-strength", json={"password": STRONG_PASSWORD})
    assert weak["acceptable"] is False and (weak["warning"] or weak["suggestions"])
    assert strong.json()["acceptable"] is True


def test_registering_a_taken_address_reveals_nothing(
    client: TestClient, make_user: Any, mailbox: Mailbox
) -> None:
    make_user(email="taken@example.org")
    fresh = register(client, email="new@example.org")
    taken = register(client, email="taken@example.org", password="another-long-passphrase-9")
    assert taken.status_code == fresh.status_code == 202
    assert taken.json() == fresh.json()
    assert mailbox.to("taken@example.org") == []


def test_wrong_confirmation_codes_are_counted(client: TestClient, mailbox: Mailbox) -> None:
    register(client)
    code = mailbox.last_code("pseudo@example.org")
    wrong = "000000" if code != "000000" else "111111"
    for attempts_left in (4, 3, 2, 1, 0):
        response = client.post(CONFIRM, json={"email": "pseudo@example.org", "code": wrong})
        assert response.json()["error"]["details"] == {"attempts_left": attempts_left}
    response = client.post(CONFIRM, json={"email": "pseudo@example.org", "code": code})
    assert response.json()["error"]["code"] == "auth.code_invalid"  # the code was spent
    client.post("/api/v1/auth/confirm/resend", json={"email": "pseudo@example.org"})
    fresh = mailbox.last_code("pseudo@example.org")
    assert (
        client.post(CONFIRM, json={"email": "pseudo@example.org", "code": fresh}).status_code == 200
    )


def test_resend_replaces_the_old_code(client: TestClient, mailbox: Mailbox) -> None:
    register(client)
    first = mailbox.last_code("pseudo@example.org")
    client.post("/api/v1/auth/confirm/resend", json={"email": "pseudo@example.org"})
    second = mailbox.last_code("pseudo@example.org")
    if first != second:
        response = client.post(CONFIRM, json={"email": "pseudo@example.org", "code": first})
        assert response.json()["error"]["code"] == "auth.code_invalid"
    assert (
        client.post(CONFIRM, json={"email": "pseudo@example.org", "code": second}).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-address", "password": STRONG_PASSWORD}, "email"),
        ({"email": "a@example.org"}, "password"),
        ({"email": "a@example.org", "password": STRONG_PASSWORD, "nickname": "x" * 65}, "nickname"),
        ({"email": "a@example.org", "password": STRONG_PASSWORD, "admin": True}, "admin"),
        ({"email": 5, "password": STRONG_PASSWORD}, "email"),
    ],
)
def test_register_validates_every_field(client: TestClient, body: Any, field: str) -> None:
    response = client.post(REGISTER, json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "request.invalid"
    assert any(d["field"].startswith(field) for d in error["details"])
