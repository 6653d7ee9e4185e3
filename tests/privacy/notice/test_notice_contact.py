"""P27 in the privacy notice: who answers for the data, the rights and how to use them, the
complaint channel and the supervisory authority, from the settings, for everyone to read."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import update

from hearthwatch.context import AppContext
from hearthwatch.privacy.consent.models import NoticeVersion
from hearthwatch.privacy.notice import content as notice_content
from hearthwatch.privacy.notice import service as notice


def _configure(ctx: AppContext) -> None:
    ctx.settings.supervisory_authority_name = "the CNIL"
    ctx.settings.supervisory_authority_email = "plaintes@cnil.example"
    ctx.settings.controller_name = "Hearth Homes SARL"
    ctx.settings.controller_email = "privacy@hearth.example"
    ctx.settings.controller_postal_address = "1 rue de la Paix, Paris"


def test_p27_the_generated_notice_names_controller_rights_and_authority(
    ctx: AppContext,
) -> None:
    _configure(ctx)
    document = notice_content.generate(ctx.settings)
    assert document["controller"]["name"] == "Hearth Homes SARL"
    assert document["controller"]["email"] == "privacy@hearth.example"
    promises = {right["promise"] for right in document["your_rights"]}
    assert {"P17", "P18", "P19", "P21", "P22", "P23", "P24", "P27"} <= promises
    complaints = document["complaints"]
    assert complaints["answer_days"] == 30 and complaints["page"].endswith("/complaints/new")
    assert complaints["supervisory_authority"] == {
        "name": "the CNIL", "url": ctx.settings.supervisory_authority_url,
        "email": "plaintes@cnil.example",
    }  # fmt: skip
    ctx.settings.controller_email = None
    ctx.settings.privacy_operator_email = "dpo@hearth.example"
    assert notice_content.generate(ctx.settings)["controller"]["email"] == "dpo@hearth.example"


def test_p27_the_public_notice_page_shows_them_and_they_need_no_new_acceptance(
    client: TestClient, ctx: AppContext
) -> None:
    _configure(ctx)
    with ctx.db.session() as db:
        published = notice.publish(ctx, db)
    assert published.version is not None and not published.material
    page = client.get("/privacy/notice")  # a visitor, not signed in
    assert page.status_code == 200
    for shown in ("Hearth Homes SARL", "privacy@hearth.example", "1 rue de la Paix, Paris",
                  "Your rights and how to use them", "the CNIL", "plaintes@cnil.example",
                  'href="/complaints/new"', "within 30 days"):  # fmt: skip
        assert shown in page.text, shown


def test_p27_an_older_notice_without_these_sections_still_shows_todays_authority(
    client: TestClient, ctx: AppContext
) -> None:
    assert client.get("/privacy/notice").status_code == 200  # the first version, published
    _configure(ctx)
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
    page = client.get("/privacy/notice").text
    assert "the CNIL" in page and "Hearth Homes SARL" in page and "/complaints/new" in page
