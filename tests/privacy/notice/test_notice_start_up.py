"""An upgrade that changes the data map changes the privacy notice (P48, issue 4 items 2
and 13): `privacy check` reports the published notice as out of date, and the service
publishes the new version when it starts, announced first when the change is material."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hearthwatch.context import AppContext
from hearthwatch.privacy.consent import service as consent
from hearthwatch.privacy.datamap import service as datamap
from hearthwatch.privacy.notice import service as notice
from hearthwatch.privacy.oversight.check import check
from tests.conftest import sign_in
from tests.support.smtp import Mailbox

START = datetime(2027, 6, 1, 8, 0, tzinfo=UTC)
NEW_PURPOSE = "New purpose: Location features (with your consent)"


@pytest.fixture
def upgraded(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppContext]:
    """Version 1 was published by the release before, whose data map had no location
    features; the code now running has them."""
    older = tuple(p for p in consent.PURPOSES if p.key != "location_features")
    with ctx.clock.frozen(START):
        with monkeypatch.context() as before_upgrade:
            before_upgrade.setattr(consent, "PURPOSES", older)
            notice.ensure_published(ctx)
        yield ctx


def notice_findings(ctx: AppContext) -> list[Any]:
    return [f for f in check(ctx).findings if f.kind == "notice"]


def test_p48_privacy_check_reports_a_notice_the_data_map_has_outgrown(
    upgraded: AppContext,
) -> None:
    (finding,) = notice_findings(upgraded)
    assert finding.code == "notice.out_of_date"
    assert finding.as_dict()["code"] == "notice.out_of_date"
    assert "version 1" in finding.message
    assert "hearthwatch privacy notice publish" in finding.message
    assert finding.examples == (NEW_PURPOSE,)


def test_p48_a_minor_difference_is_reported_too(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    notice.ensure_published(ctx)
    assert notice_findings(ctx) == []
    reworded = replace(datamap.PERSONAL_FIELDS[0], description="your e-mail address")
    monkeypatch.setattr(datamap, "PERSONAL_FIELDS", (reworded, *datamap.PERSONAL_FIELDS[1:]))
    (finding,) = notice_findings(ctx)
    assert finding.examples == ("wording and details only: nothing that needs agreement",)


def test_p48_start_up_announces_a_material_change_and_asks_for_acceptance_after(
    upgraded: AppContext, client: TestClient, make_user: Any, mailbox: Mailbox
) -> None:
    alice = make_user()
    sign_in(client, alice.email)  # the first request after the upgrade: the start publishes
    with upgraded.db.session() as db:
        newest = notice.latest(db)
        in_force = notice.in_force(db, START)
    assert newest is not None and in_force is not None
    assert (newest.number, in_force.number) == (2, 1)  # announced, not in force yet
    assert newest.requires_acceptance
    assert newest.effective_at == START + timedelta(days=upgraded.settings.notice_announce_days)
    (mail,) = mailbox.to(alice.email)
    assert mail["Subject"] == "Our privacy notice changes on 01 July 2027"
    assert NEW_PURPOSE in mail.get_content()
    assert client.get("/api/v1/me").status_code == 200  # the notice period runs first
    assert notice_findings(upgraded) == []  # nothing left to publish

    upgraded.clock.advance(timedelta(days=30))
    refused = client.get("/api/v1/me")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "privacy.notice_not_accepted"


def test_p48_a_second_change_within_the_notice_period_waits_for_it_too(
    upgraded: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Version 2 (a new purpose) is announced; version 3 only rewords a field. Compared
    with version 2 that is minor, but people are still under version 1: version 3 must not
    bring the new purpose into force at once."""
    notice.ensure_published(upgraded)
    reworded = replace(datamap.PERSONAL_FIELDS[0], description="your e-mail address")
    monkeypatch.setattr(datamap, "PERSONAL_FIELDS", (reworded, *datamap.PERSONAL_FIELDS[1:]))
    published = notice.ensure_published(upgraded)
    assert published is not None and published.version is not None
    assert published.version.number == 3
    assert published.material and NEW_PURPOSE in published.changes
    assert published.version.effective_at > START
    with upgraded.db.session() as db:
        in_force = notice.in_force(db, START)
    assert in_force is not None and in_force.number == 1
