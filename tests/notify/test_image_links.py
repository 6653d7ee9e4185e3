"""P15 (issue 14 item 8): an alert's picture is fetched through a short-lived signed link,
checked when fetched: refused once expired, tampered with, after the user turned images
off, for a camera in privacy mode or under a restriction (P21)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.notify import image_links
from hearthwatch.privacy.limits import service as limits
from tests.notify.conftest import AddEvent, picture

PATH = "/api/v1/notify/image/"


def link(ctx: AppContext, user: User, event_id: str) -> str:
    token = image_links.make_token(ctx, event_id=event_id, user_id=user.id, now=ctx.clock.now())
    return PATH + token


def code(client: TestClient, url: str) -> str:
    return str(client.get(url).json()["error"]["code"])


def test_p15_a_valid_link_answers_the_masked_picture_without_a_session(
    client: TestClient, ctx: AppContext, alice: User, camera_id: str, add_event: AddEvent
) -> None:
    url = link(ctx, alice, add_event(camera_id))
    client.cookies.clear()  # a notification shows it without signing in: the link is the key
    answer = client.get(url)
    assert answer.status_code == 200 and answer.content == picture()
    assert answer.headers["content-type"] == "image/jpeg"
    assert "no-store" in answer.headers["cache-control"]


def test_p15_an_expired_or_tampered_link_is_refused(
    client: TestClient, ctx: AppContext, alice: User, make_user: Any, camera_id: str,
    add_event: AddEvent,
) -> None:  # fmt: skip
    event_id = add_event(camera_id)
    with ctx.clock.frozen() as frozen:
        url = link(ctx, alice, event_id)
        frozen.advance(image_links.LIFETIME + timedelta(seconds=1))
        answer = client.get(url)
        assert answer.status_code == 410
        assert answer.json()["error"]["code"] == "notify.image_expired"
    valid = link(ctx, alice, event_id)
    body, mac = valid.rsplit(".", 1)
    forged = body[:-1] + ("9" if body[-1] != "9" else "8") + "." + mac  # a later expiry
    assert code(client, forged) == "notify.image_not_found"
    assert code(client, valid[:-2] + "AA") == "notify.image_not_found"
    assert code(client, PATH + "not-a-token") == "notify.image_not_found"
    bob = make_user("bob@example.org")
    assert code(client, link(ctx, bob, event_id)) == "notify.image_not_found"  # not his event


def test_p15_a_link_made_before_images_were_turned_off_no_longer_opens(
    client: TestClient, ctx: AppContext, alice: User, camera_id: str, add_event: AddEvent
) -> None:
    url = link(ctx, alice, add_event(camera_id))
    assert client.get(url).status_code == 200
    prefs = client.get("/api/v1/notify/preferences").json()
    client.put("/api/v1/notify/preferences", json={**prefs, "images": False})
    assert code(client, url) == "notify.image_not_found"


def test_p15_p21_privacy_mode_or_a_restriction_closes_the_link(
    client: TestClient, ctx: AppContext, alice: User, camera_id: str, add_event: AddEvent
) -> None:
    url = link(ctx, alice, add_event(camera_id))
    with ctx.db.session() as db:
        camera = db.get(Camera, camera_id)
        assert camera is not None
        camera.privacy_mode = True
    assert code(client, url) == "notify.image_not_found"
    with ctx.db.session() as db:
        camera = db.get(Camera, camera_id)
        assert camera is not None
        camera.privacy_mode = False
    assert client.get(url).status_code == 200
    with ctx.db.session() as db:
        limits.restrict(ctx, db, user_id=alice.id, use="all", camera_id=None, until=None,
                        reason=None)  # fmt: skip
    assert code(client, url) == "notify.image_not_found"
