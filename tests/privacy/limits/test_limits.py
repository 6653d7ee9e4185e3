"""Restriction (P21), objection (P22) and aggregated statistics with small groups
suppressed (issue 4 item 16)."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.errors import ValidationFailed
from hearthwatch.privacy.audit.receipts import verify_receipt
from hearthwatch.privacy.consent import service as consent
from hearthwatch.privacy.consent.marketing import send_marketing
from hearthwatch.privacy.datamap.types import LegalBasis
from hearthwatch.privacy.datamap.uses import ProcessingUse
from hearthwatch.privacy.limits import service as limits
from hearthwatch.privacy.oversight.statistics import usage_statistics
from tests import factories
from tests.conftest import sign_in


def allowed(ctx: AppContext, user_id: str, use: str, camera_id: str | None = None) -> bool:
    with ctx.db.session() as db:
        return limits.processing_allowed(
            db, user_id=user_id, use=use, at=ctx.clock.now(), camera_id=camera_id
        )


def held(ctx: AppContext) -> set[str]:
    with ctx.db.session() as db:
        return set(limits.held_cameras(db, at=ctx.clock.now()))


def add_camera(ctx: AppContext, owner: User, serial: str) -> str:
    return factories.add_camera(
        ctx, owner.id, f"Camera {serial}", serial=serial, recording_mode="continuous"
    )


def test_p22_objection_to_analytics_stops_it_at_once_and_is_signed(
    client: TestClient, alice: User, ctx: AppContext
) -> None:
    assert allowed(ctx, alice.id, "product_analytics")
    made = client.post("/api/v1/privacy/limits/objections", json={"use": "product_analytics"})
    assert made.status_code == 201, made.text
    assert not allowed(ctx, alice.id, "product_analytics")
    assert allowed(ctx, alice.id, "marketing")  # only what was objected to
    key = base64.b64decode(client.get("/api/v1/privacy/receipt-key").json()["public_key"])
    assert verify_receipt(made.json()["receipt"], key)
    lifted = client.delete(f"/api/v1/privacy/limits/{made.json()['limit']['id']}")
    assert lifted.status_code == 200 and lifted.json()["limit"]["lifted_at"]
    assert allowed(ctx, alice.id, "product_analytics")


def test_p22_objection_needs_a_use_it_applies_to(
    client: TestClient, alice: User, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = client.post("/api/v1/privacy/limits/objections", json={"use": "sharing"})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "request.invalid"
    needed = ProcessingUse("billing", "Billing", LegalBasis.CONTRACT, (), ())
    monkeypatch.setitem(limits.USE_BY_NAME, "billing", needed)
    with pytest.raises(ValidationFailed) as refused, ctx.db.session() as db:
        limits.object_to(ctx, db, user_id=alice.id, use="billing", reason=None)
    assert refused.value.code == "privacy.objection_not_applicable"


def test_p21_restriction_for_a_time_of_one_cameras_data(
    client: TestClient, alice: User, ctx: AppContext
) -> None:
    front, _back = add_camera(ctx, alice, "S1"), add_camera(ctx, alice, "S2")
    with ctx.clock.frozen() as clock:
        until = (clock.now() + timedelta(days=10)).isoformat()
        made = client.post(
            "/api/v1/privacy/limits/restrictions",
            json={"use": "all", "camera_id": front, "until": until, "reason": "Contesting"},
        )
        assert made.status_code == 201, made.text
        assert held(ctx) == {front}  # in part only
        assert allowed(ctx, alice.id, "marketing")  # a camera's restriction is about it alone
        clock.advance(timedelta(days=10, seconds=1))
        assert held(ctx) == set()  # for a time only
        assert client.get("/api/v1/privacy/limits").json() == []


def test_p21_restriction_for_good_of_everything(
    client: TestClient, alice: User, ctx: AppContext
) -> None:
    assert client.post("/api/v1/privacy/limits/restrictions", json={}).status_code == 201
    for use in ("product_analytics", "marketing", "sign_in_records"):
        assert not allowed(ctx, alice.id, use)
    shown = client.get("/api/v1/privacy/limits").json()
    assert [(x["kind"], x["use"], x["until"]) for x in shown] == [("restriction", "all", None)]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"use": "sharing"}, "request.invalid"),
        ({"until": "2020-01-01T00:00:00+00:00"}, "privacy.limit_until_past"),
        ({"until": "2099-01-01T00:00:00"}, "request.invalid"),  # no time zone: ambiguous
        ({"reason": "x" * 2001}, "request.invalid"),
        ({"camera_id": "0" * 32}, "camera.not_found"),
    ],
)
def test_bad_restrictions_get_clear_errors(
    client: TestClient, alice: User, body: dict[str, Any], code: str
) -> None:
    answer = client.post("/api/v1/privacy/limits/restrictions", json=body)
    assert answer.status_code == (404 if code.endswith("not_found") else 422), answer.text
    assert answer.json()["error"]["code"] == code


def test_another_persons_camera_and_limit_are_out_of_reach(
    client: TestClient, alice: User, make_user: Any, ctx: AppContext
) -> None:
    limit_id = client.post("/api/v1/privacy/limits/restrictions", json={}).json()["limit"]["id"]
    bob = make_user("bob@example.org")
    bobs_camera = add_camera(ctx, bob, "B1")
    sign_in(client, "bob@example.org")
    assert client.delete(f"/api/v1/privacy/limits/{limit_id}").status_code == 404
    answer = client.post("/api/v1/privacy/limits/restrictions", json={"camera_id": bobs_camera})
    assert answer.status_code == 201  # bob's own camera
    sign_in(client, "alice@example.org")
    answer = client.post("/api/v1/privacy/limits/restrictions", json={"camera_id": bobs_camera})
    assert answer.status_code == 404


def test_p44_statistics_count_only_consenting_people_and_hide_small_groups(
    ctx: AppContext, make_user: Any
) -> None:
    ctx.settings.stats_min_group = 3
    people = [make_user(f"p{n}@example.org") for n in range(6)]
    with ctx.db.session() as db:
        for person in people[:5]:
            consent.grant(ctx, db, user_id=person.id, purpose="product_analytics",
                          channel=consent.Channel.WEB)  # fmt: skip
        limits.object_to(ctx, db, user_id=people[4].id, use="product_analytics", reason=None)
    for person in people[:3]:
        add_camera(ctx, person, person.email[:2])
    with ctx.db.session() as db:
        report = usage_statistics(ctx, db)
    assert report.people == 4  # p5 never consented, p4 objected
    cameras = {g.label: g.count for g in report.figures[0].groups}
    # One person without a camera is too few to show; showing the 3 with one camera would
    # give the hidden 1 away (4 - 3), so that group is hidden too.
    assert cameras == {"1": None, "0": None}
    ctx.settings.stats_min_group = 5
    with ctx.db.session() as db:
        small = usage_statistics(ctx, db)
    assert small.people is None  # the total is a group too
    assert all(figure.groups == () for figure in small.figures)


def test_limits_page_objects_in_one_click(client: TestClient, alice: User, ctx: AppContext) -> None:
    page = client.get("/privacy/limits")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token and "Object to page-view counts and usage statistics" in page.text
    done = client.post(
        "/privacy/limits/object", data={"csrf_token": token.group(1), "use": "product_analytics"}
    )
    assert done.status_code == 200 and "Withdraw objection" in done.text
    assert not allowed(ctx, alice.id, "product_analytics")
    bad = client.post("/privacy/limits/restrict", data={"csrf_token": token.group(1), "until": "x"})
    assert bad.status_code == 422 and "Give the end date as a date." in bad.text


def test_p22_objection_to_marketing_stops_mail_even_with_consent(
    ctx: AppContext, alice: User, mailbox: Any
) -> None:

    with ctx.db.session() as db:
        consent.grant(ctx, db, user_id=alice.id, purpose="marketing_email",
                      channel=consent.Channel.WEB)  # fmt: skip
        user = db.get(User, alice.id)
        assert user is not None
        assert send_marketing(ctx, db, user, "News", "Hello")
        limits.object_to(ctx, db, user_id=alice.id, use="marketing", reason=None)
        assert not send_marketing(ctx, db, user, "News", "Hello again")
    assert [m["Subject"] for m in mailbox.to("alice@example.org")] == ["News"]
