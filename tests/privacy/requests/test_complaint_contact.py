"""P27: whom to complain to, through the API and the notice page, by one rule
(`complaints.contact_in`): a notice version that did not yet name its controller, rights
and complaint channel is answered with today's, never with nothing."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import update

from hearthwatch.context import AppContext
from hearthwatch.privacy.consent.models import NoticeVersion
from hearthwatch.privacy.notice import contact as notice_contact
from hearthwatch.privacy.notice import service as notice
from tests.privacy.notice.test_notice_contact import _configure

API = "/api/v1/privacy/complaints"


def _strip_contact_from_the_latest_notice(ctx: AppContext) -> int:
    """Make the published notice look like one written before it named whom to ask."""
    with ctx.db.session() as db:
        version = notice.latest(db)
        assert version is not None
        older = {k: v for k, v in notice.content_of(version).items()
                 if k not in ("controller", "your_rights", "complaints")}  # fmt: skip
        db.execute(
            update(NoticeVersion)
            .where(NoticeVersion.number == version.number)
            .values(content=json.dumps(older))
        )
        return version.number


def test_p27_the_api_answers_an_older_notice_with_todays_complaint_channel(
    client: TestClient, ctx: AppContext
) -> None:
    assert client.get("/privacy/notice").status_code == 200  # the first version, published
    _configure(ctx)
    number = _strip_contact_from_the_latest_notice(ctx)

    answer = client.get(API, params={"notice_version": number})

    assert answer.status_code == 200
    body = answer.json()
    assert body["notice_version"] == number
    assert body["complaints"] == notice_contact.complaints(ctx.settings)
    assert body["complaints"]["supervisory_authority"]["name"] == "the CNIL"
    assert body["controller"]["name"] == "Hearth Homes SARL"
    assert {right["promise"] for right in body["your_rights"]} >= {"P17", "P27"}
    # The page shows the same channel for the same version.
    page = client.get("/privacy/notice", params={"version": number}).text
    assert "the CNIL" in page and "Hearth Homes SARL" in page and "/complaints/new" in page


def test_p27_a_notice_that_names_its_channel_is_answered_as_it_says(
    client: TestClient, ctx: AppContext
) -> None:
    assert client.get("/privacy/notice").status_code == 200
    with ctx.db.session() as db:
        version = notice.latest(db)
        assert version is not None
        stated = notice.content_of(version)["complaints"]
    _configure(ctx)  # today's settings differ from what that version stated

    body = client.get(API).json()  # the version in force

    assert body["notice_version"] == version.number
    assert body["complaints"] == json.loads(json.dumps(stated))
    assert body["complaints"] != notice_contact.complaints(ctx.settings)


def test_an_unknown_notice_version_is_a_stable_not_found(client: TestClient) -> None:
    answer = client.get(API, params={"notice_version": 999})
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "notice.not_found"
    assert client.get(API, params={"notice_version": -1}).status_code == 422
