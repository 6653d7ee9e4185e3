"""The versioned privacy notice: generated from the data map, announced, accepted (P48)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hearthwatch import cli
from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.consent import service as consent
from hearthwatch.privacy.consent.service import Purpose
from hearthwatch.privacy.datamap import service as datamap
from hearthwatch.privacy.notice import content as notice_content
from hearthwatch.privacy.notice import service as notice
from hearthwatch.settings import Settings
from tests.conftest import sign_in
from tests.support.smtp import Mailbox
from tests.web.conftest import submit, web_sign_in

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
NEW_PURPOSE = Purpose("camera_ai_training", "Improving detection", "Training on clips.", 2)


@pytest.fixture
def frozen(ctx: AppContext) -> Iterator[AppContext]:
    with ctx.clock.frozen(START):
        yield ctx


def publish(ctx: AppContext, days: int = 10) -> notice.Published:
    with ctx.db.session() as db:
        return notice.publish(ctx, db, announce=timedelta(days=days))


def first_version(ctx: AppContext) -> None:
    notice.ensure_published(ctx)


# --- generated from the data map ---------------------------------------------------------


def test_p48_the_first_version_is_published_on_first_start(
    client: TestClient, make_user: Any
) -> None:
    assert client.get("/api/v1/health").status_code == 200
    shown = client.get("/api/v1/privacy/notice").json()
    assert shown["number"] == 1 and shown["requires_acceptance"] is False
    user = make_user()
    sign_in(client, user.email)
    assert client.get("/api/v1/me").status_code == 200


def test_p48_a_data_map_changed_by_an_upgrade_is_published_at_start_up(
    frozen: AppContext, client: TestClient, mailbox: Mailbox, make_user: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """The installation ran an older data map (a description worded differently); the
    upgraded service publishes what the data map says now when it starts: a minor change,
    in force at once, nothing to accept or announce."""
    old = replace(datamap.PERSONAL_FIELDS[0], description="mail address")
    with monkeypatch.context() as before_upgrade:
        before_upgrade.setattr(datamap, "PERSONAL_FIELDS", (old, *datamap.PERSONAL_FIELDS[1:]))
        first_version(frozen)
    make_user()
    with frozen.db.session() as db:
        assert not notice.is_current(frozen.settings, db)
    assert client.get("/api/v1/health").status_code == 200  # the first request after start
    with frozen.db.session() as db:
        newest = notice.latest(db)
        assert newest is not None and newest.number == 2
        assert newest.digest == notice_content.digest(notice_content.generate(frozen.settings))
        assert (newest.effective_at, newest.requires_acceptance) == (START, False)
        listed = {item["key"] for item in notice.content_of(newest)["personal_data"]}
    assert listed == datamap.personal_field_keys()
    assert mailbox.messages == []


def test_p48_a_data_map_change_makes_the_published_notice_out_of_date(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_version(ctx)
    extra = replace(datamap.PERSONAL_FIELDS[0], column="phone", purpose="selling phones")
    monkeypatch.setattr(datamap, "PERSONAL_FIELDS", (*datamap.PERSONAL_FIELDS, extra))
    with ctx.db.session() as db:
        assert not notice.is_current(ctx.settings, db)
    assert "New purpose: selling phones" in publish(ctx).changes


def test_the_notice_page_shows_data_recipients_region_and_versions(
    client: TestClient, ctx: AppContext
) -> None:
    page = client.get("/privacy/notice")
    assert page.status_code == 200
    assert "Version 1" in page.text
    assert ctx.settings.data_region in page.text
    assert "Mail relay" in page.text  # the tests send mail through SMTP
    assert "hw_consent" in page.text
    assert client.get("/privacy/notice?version=9").status_code == 404


# --- what counts as a material change ----------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("purpose", "New purpose: Improving detection (with your consent)"),
        ("recipient", "New recipient: Object store (S3)"),
        ("region", "Data now stored in: US (Oregon)"),
        ("retention", "Kept longer: e-mail address"),
    ],
)
def test_p48_material_changes_are_recognised(
    frozen: AppContext, monkeypatch: pytest.MonkeyPatch, change: str, expected: str
) -> None:
    first_version(frozen)
    if change == "purpose":
        monkeypatch.setattr(consent, "PURPOSES", (*consent.PURPOSES, NEW_PURPOSE))
    elif change == "recipient":
        monkeypatch.setattr(frozen.settings, "blob_backend", "s3")
    elif change == "region":
        monkeypatch.setattr(frozen.settings, "data_region", "US (Oregon)")
    else:
        longer = datamap.Retention("10 years", 3650)
        fields = tuple(
            replace(f, retention=longer) if f.key == "users.email" else f
            for f in datamap.PERSONAL_FIELDS
        )
        monkeypatch.setattr(datamap, "PERSONAL_FIELDS", fields)
    published = publish(frozen, days=14)
    assert published.material
    assert any(line.startswith(expected) for line in published.changes), published.changes
    assert published.version is not None
    assert published.version.requires_acceptance
    assert published.version.effective_at == START + timedelta(days=14)


def test_p48_a_minor_change_applies_at_once_and_needs_no_acceptance(
    frozen: AppContext, mailbox: Mailbox, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_version(frozen)
    make_user()
    monkeypatch.setattr(frozen.settings, "public_url", "https://cams.example.org")
    published = publish(frozen)
    assert not published.material and published.version is not None
    assert published.version.effective_at == START
    assert not published.version.requires_acceptance
    assert mailbox.messages == []


def test_publishing_an_unchanged_notice_does_nothing(ctx: AppContext) -> None:
    first_version(ctx)
    assert publish(ctx).version is None


# --- announced, then accepted ------------------------------------------------------------


@pytest.fixture
def announced(
    frozen: AppContext, client: TestClient, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> User:
    """Alice signed in (API) under version 1; version 2 adds a purpose, in force in 10 days."""
    first_version(frozen)
    alice: User = make_user()
    sign_in(client, alice.email)
    monkeypatch.setattr(consent, "PURPOSES", (*consent.PURPOSES, NEW_PURPOSE))
    publish(frozen, days=10)
    return alice


def test_p48_a_material_change_is_mailed_to_every_user_before_it_applies(
    announced: User, mailbox: Mailbox
) -> None:
    (mail,) = mailbox.to(announced.email)
    assert mail["Subject"] == "Our privacy notice changes on 11 March 2027"
    assert "New purpose: Improving detection" in mail.get_content()


def test_p48_the_change_is_announced_in_the_app_before_it_applies(
    frozen: AppContext, client: TestClient, announced: User
) -> None:
    assert client.get("/api/v1/me").status_code == 200
    status = client.get("/api/v1/privacy/notice/status").json()
    assert status == {
        "in_force": 1,
        "accepted": 1,
        "must_accept": False,
        "upcoming": 2,
        "upcoming_effective_at": "2027-03-11T09:00:00Z",
    }
    page = client.get("/profile")
    assert page.status_code == 200
    assert "Our privacy notice changes on" in page.text


def test_p48_after_the_effective_date_the_api_answers_403_until_accepted(
    frozen: AppContext, client: TestClient, announced: User
) -> None:
    frozen.clock.advance(timedelta(days=10))
    refused = client.get("/api/v1/me")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "privacy.notice_not_accepted"
    assert refused.json()["error"]["details"]["version"] == 2

    for open_path in (
        "/api/v1/health",
        "/api/v1/privacy/notice",
        "/api/v1/privacy/consents",
        "/privacy/notice",
    ):
        assert client.get(open_path).status_code == 200, open_path

    accepted = client.post("/api/v1/privacy/notice/accept", json={"version": 2})
    assert accepted.status_code == 200
    assert accepted.json()["must_accept"] is False
    assert client.get("/api/v1/me").status_code == 200
    with frozen.db.session() as db:
        actions = [e.action for e in audit.entries_about(db, announced.id)]
    assert "privacy.notice_accepted" in actions


def test_p48_sign_out_still_works_before_accepting(
    frozen: AppContext, client: TestClient, announced: User
) -> None:
    frozen.clock.advance(timedelta(days=11))
    assert client.post("/api/v1/auth/logout").status_code == 204


def test_p48_pages_lead_to_the_accept_page_and_back(
    frozen: AppContext, client: TestClient, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_version(frozen)
    alice = make_user()
    web_sign_in(client, alice.email)
    monkeypatch.setattr(consent, "PURPOSES", (*consent.PURPOSES, NEW_PURPOSE))
    publish(frozen, days=10)
    frozen.clock.advance(timedelta(days=10))

    stopped = client.get("/profile", follow_redirects=False)
    assert stopped.status_code == 303
    assert stopped.headers["location"] == "/privacy/notice/accept?next=/profile"
    # The browser updates the alerts' service worker on its own: never held up meanwhile.
    worker = client.get("/sw.js", follow_redirects=False)
    assert worker.status_code == 200, worker.headers
    assert worker.headers["content-type"].startswith("application/javascript")
    page = client.get("/privacy/notice/accept?next=/profile")
    assert "New purpose: Improving detection" in page.text
    done = submit(
        client,
        "/privacy/notice/accept",
        {"version": "2", "next": "/profile"},
        page="/privacy/notice/accept",
    )
    assert done.status_code == 303 and done.headers["location"] == "/profile"
    assert client.get("/profile", follow_redirects=False).status_code == 200


def test_p48_someone_who_signs_up_under_the_new_version_has_accepted_it(
    frozen: AppContext, client: TestClient, announced: User, make_user: Any
) -> None:
    frozen.clock.advance(timedelta(days=12))
    newcomer = make_user("newcomer@example.org")
    sign_in(client, newcomer.email)
    assert client.get("/api/v1/me").status_code == 200


def test_accepting_a_version_that_does_not_exist_is_not_found(
    client: TestClient, alice: User
) -> None:
    response = client.post("/api/v1/privacy/notice/accept", json={"version": 99})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "notice.not_found"


# --- the operator's command --------------------------------------------------------------


def test_p48_notice_publish_and_check_commands(
    frozen: AppContext,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first_version(frozen)
    for name, value in {
        "ENVIRONMENT": "test",
        "DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        "MAIL_BACKEND": "smtp",
        "SMTP_PORT": str(settings.smtp_port),
    }.items():
        monkeypatch.setenv(f"HEARTHWATCH_{name}", value)
    assert cli.main(["privacy", "notice", "check"]) == 0
    monkeypatch.setenv("HEARTHWATCH_DATA_REGION", "US (Oregon)")
    assert cli.main(["privacy", "notice", "check"]) == 1
    assert cli.main(["privacy", "notice", "publish", "--effective-in-days", "21"]) == 0
    out = capsys.readouterr().out
    assert "published version 2 (material change" in out
    assert "effective 2027-03-22" in out
    assert cli.main(["privacy", "notice", "check"]) == 0
