"""Operator corrections on rectification requests (P18: "ask for a correction").

The desk corrects only fields the data map marks `operator_correctable`, only the
requester's own rows, only on a verified rectification request in progress; each
correction is a step the person sees and an audit entry, neither holding the old value.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.devices import binding
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.datamap.service import PERSONAL_FIELDS
from hearthwatch.privacy.requests import rectification
from hearthwatch.privacy.requests import service as requests
from tests.conftest import sign_in
from tests.support.forms import csrf
from tests.support.rights_requests import ALICE, make_request, verified_request
from tests.support.smtp import Mailbox

DESK = "/api/v1/privacy/operator/requests"
OLD_NAME = "Alise Lidel"
NEW_NAME = "Alice Liddell"


def started_request(client: TestClient, desk: TestClient, mailbox: Mailbox) -> str:
    request_id = verified_request(client, mailbox)
    assert desk.post(f"{DESK}/{request_id}/start").status_code == 200
    return request_id


def add_camera(ctx: AppContext, user: User, name: str) -> str:
    with ctx.db.session() as db:
        owner = db.get(User, user.id)
        assert owner is not None
        camera = binding.bind_by_url(
            ctx, db, user=owner, url=f"rtsp://192.0.2.10/{user.id}", username=None,
            password=None, name=name,  # one stream per account (devices/streams.py)
            add_offline=True,  # nothing answers at 192.0.2.10 (issue 12 item 6)
        )  # fmt: skip
        return camera.id


def correct(desk: TestClient, request_id: str, **body: Any) -> Any:
    return desk.post(f"{DESK}/{request_id}/corrections", json=body)


def test_p18_correctable_fields_come_from_the_data_map() -> None:
    declared = {f.key for f in PERSONAL_FIELDS if f.operator_correctable}
    offered = {f.key for f in rectification.correctable_fields()}
    # Every flag is honoured (a field the desk could not correct would fail here) ...
    assert offered == declared
    assert {"users.real_name", "users.nickname", "cameras.name", "api_tokens.name"} <= offered
    # ... and nothing that must be proven or is not text is offered.
    assert not offered & {"users.email", "users.password_hash", "cameras.serial"}


def test_p18_operator_corrects_a_field_the_person_asked_about(
    client: TestClient, alice: User, olga: tuple[User, TestClient], mailbox: Mailbox,
    ctx: AppContext,
) -> None:  # fmt: skip
    operator, desk = olga
    client.patch("/api/v1/me", json={"real_name": OLD_NAME})
    request_id = started_request(client, desk, mailbox)

    offered = desk.get(f"{DESK}/{request_id}/corrections")
    assert offered.status_code == 200
    by_field = {t["field"]: t for t in offered.json()}
    assert by_field["users.real_name"]["current"] == "A*** L***"  # masked (P45)
    assert by_field["users.real_name"]["max_length"] == 128
    assert OLD_NAME not in offered.text

    done = correct(desk, request_id, field="users.real_name", value=f"  {NEW_NAME} ")
    assert done.status_code == 200, done.text
    assert client.get("/api/v1/me").json()["real_name"] == NEW_NAME
    note = done.json()["steps"][-1]["note"]
    assert "real name" in note and "A*** L***" in note and OLD_NAME not in note

    # The person sees the step in their request's history, and is told by mail.
    own = client.get(f"/api/v1/privacy/requests/{request_id}").json()
    assert own["steps"][-1]["note"] == note and own["steps"][-1]["by"] == "operator"
    mail = mailbox.to(ALICE)[-1].get_content()
    assert "We corrected your data" in mail and OLD_NAME not in mail

    with ctx.db.session() as db:
        assert audit.verify(db).ok
        corrected = [
            e for e in audit.entries_about(db, alice.id) if e.action == "personal_data.corrected"
        ]
    assert [e.actor for e in corrected] == [f"operator:account-{operator.id}"]
    assert '"field":"users.real_name"' in corrected[0].details
    assert OLD_NAME not in corrected[0].details and NEW_NAME not in corrected[0].details


def test_p18_a_correction_touches_only_the_requester_s_own_rows(
    client: TestClient, alice: User, olga: tuple[User, TestClient], mailbox: Mailbox,
    ctx: AppContext, make_user: Any,
) -> None:  # fmt: skip
    _, desk = olga
    own_camera = add_camera(ctx, alice, "Gardn")
    bobs_camera = add_camera(ctx, make_user("bob@example.org"), "Bob's porch")
    request_id = started_request(client, desk, mailbox)
    offered = {
        (t["field"], t["record_id"]) for t in desk.get(f"{DESK}/{request_id}/corrections").json()
    }
    assert ("cameras.name", own_camera) in offered and ("cameras.name", bobs_camera) not in offered

    for record_id in (None, bobs_camera, "0" * 32):
        refused = correct(desk, request_id, field="cameras.name", record_id=record_id, value="X")
        assert refused.status_code == 404
        assert refused.json()["error"]["code"] == "privacy.record_not_found"
    done = correct(desk, request_id, field="cameras.name", record_id=own_camera, value="Garden")
    assert done.status_code == 200
    names = {c["id"]: c["name"] for c in client.get("/api/v1/cameras").json()}
    assert names[own_camera] == "Garden"
    with TestClient(desk.app) as bob:
        sign_in(bob, "bob@example.org")
        assert [c["name"] for c in bob.get("/api/v1/cameras").json()] == ["Bob's porch"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {"field": "users.email", "value": "eve@example.org"},
            422,
            "privacy.field_not_correctable",
        ),
        ({"field": "users.password_hash", "value": "x"}, 422, "privacy.field_not_correctable"),
        ({"field": "cameras.serial", "value": "x"}, 422, "privacy.field_not_correctable"),
        ({"field": "users.nickname", "value": "n" * 65}, 422, "privacy.correction_invalid"),
        ({"field": "users.nickname", "value": "bad\u0000name"}, 422, "privacy.correction_invalid"),
        ({"field": "users.nickname", "value": "Al"}, 422, "privacy.correction_unchanged"),
        ({"field": "users", "value": "x"}, 422, "request.invalid"),
        ({"field": "users.nickname"}, 422, "request.invalid"),
        ({"field": "users.nickname", "value": "x", "extra": 1}, 422, "request.invalid"),
        ({"field": "users.nickname", "record_id": "x", "value": "y"}, 422, "request.invalid"),
    ],
)
def test_p18_bad_corrections_are_refused_with_a_stable_code(
    client: TestClient, alice: User, olga: tuple[User, TestClient], mailbox: Mailbox,
    body: dict[str, Any], status: int, code: str,
) -> None:  # fmt: skip
    _, desk = olga
    client.patch("/api/v1/me", json={"nickname": "Al"})
    request_id = started_request(client, desk, mailbox)
    refused = desk.post(f"{DESK}/{request_id}/corrections", json=body)
    assert refused.status_code == status, refused.text
    assert refused.json()["error"]["code"] == code
    assert client.get("/api/v1/me").json()["nickname"] == "Al"
    steps = client.get(f"/api/v1/privacy/requests/{request_id}").json()["steps"]
    assert steps[-1]["status"] == "in_progress" and steps[-1]["note"] is None


def test_p18_only_a_verified_rectification_request_in_progress_can_correct(
    client: TestClient, alice: User, olga: tuple[User, TestClient], mailbox: Mailbox,
    ctx: AppContext,
) -> None:  # fmt: skip
    _, desk = olga
    body = {"field": "users.real_name", "value": NEW_NAME}
    unverified = make_request(client).json()["id"]
    verified = verified_request(client, mailbox)
    access = verified_request(client, mailbox, "access")
    desk.post(f"{DESK}/{access}/start")
    closed = started_request(client, desk, mailbox)
    desk.post(f"{DESK}/{closed}/complete", json={"resolution": "Done."})
    for request_id, code in [
        (unverified, "privacy.identity_unverified"),
        (verified, "privacy.request_not_started"),
        (access, "privacy.not_rectification"),
        (closed, "privacy.request_closed"),
    ]:
        refused = correct(desk, request_id, **body)
        assert refused.status_code == 409 and refused.json()["error"]["code"] == code
        listed = desk.get(f"{DESK}/{request_id}/corrections")
        assert listed.status_code == 409 and listed.json()["error"]["code"] == code
    assert client.get("/api/v1/me").json()["real_name"] is None
    # An extended request is still being worked on.
    extended = started_request(client, desk, mailbox)
    desk.post(f"{DESK}/{extended}/extend", json={"months": 1, "reason": "Archive search."})
    with ctx.db.session() as db:
        assert requests.get(db, extended).status == "extended"
    assert correct(desk, extended, **body).status_code == 200


def test_p18_non_operators_cannot_correct(
    client: TestClient, alice: User, olga: tuple[User, TestClient], mailbox: Mailbox
) -> None:
    _, desk = olga
    request_id = started_request(client, desk, mailbox)
    for answer in (
        client.get(f"{DESK}/{request_id}/corrections"),
        correct(client, request_id, field="users.real_name", value="Mallory"),
    ):
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "operator.required"
    token = csrf(client, "/privacy/requests")
    page = client.post(
        f"/operator/requests/{request_id}/correct",
        data={"csrf_token": token, "target": "users.real_name", "corrected_value": "Mallory"},
    )
    assert page.status_code == 403
    assert client.get("/api/v1/me").json()["real_name"] is None


def test_p18_operator_corrects_through_the_desk_page(
    client: TestClient, alice: User, olga: tuple[User, TestClient], mailbox: Mailbox
) -> None:
    _, desk = olga
    client.patch("/api/v1/me", json={"real_name": OLD_NAME})
    request_id = verified_request(client, mailbox)
    page = f"/operator/requests/{request_id}"
    assert "Correct the person" not in desk.get(page).text  # not started yet
    desk.post(f"{DESK}/{request_id}/start")
    shown = desk.get(page).text
    target = f"users.real_name:{alice.id}"
    assert f'value="{target}"' in shown and "A*** L***" in shown and OLD_NAME not in shown

    token = csrf(desk, page)
    too_long = desk.post(
        f"{page}/correct",
        data={"csrf_token": token, "target": target, "corrected_value": "x" * 129},
    )
    assert too_long.status_code == 422 and 'id="corrected_value-error"' in too_long.text
    none_chosen = desk.post(f"{page}/correct", data={"csrf_token": token, "corrected_value": "x"})
    assert none_chosen.status_code == 422 and 'id="target-error"' in none_chosen.text
    done = desk.post(
        f"{page}/correct",
        data={"csrf_token": token, "target": target, "corrected_value": NEW_NAME},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("request_corrected")
    assert client.get("/api/v1/me").json()["real_name"] == NEW_NAME
    history = client.get(f"/privacy/requests/{request_id}").text
    assert "Corrected: real name. Before: A*** L***; now: A*** L***." in history
    assert OLD_NAME not in history


def test_p18_the_request_form_says_what_to_edit_in_the_account_instead(
    client: TestClient, alice: User
) -> None:
    form = client.get("/privacy/requests").text
    assert "Only for what you cannot edit yourself" in form
    assert 'href="/profile"' in form and 'href="/profile/email"' in form
