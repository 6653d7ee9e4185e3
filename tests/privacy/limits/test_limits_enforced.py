"""Restriction (P21) and objection (P22) change what Hearthwatch does, not only a flag:
each use the data map declares stops where it happens, and restricted data is kept."""

from __future__ import annotations

import importlib
import inspect
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from hearthwatch.accounts.models import BrowserSession, User
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.media import retention as recordings
from hearthwatch.privacy.consent import analytics
from hearthwatch.privacy.datamap.service import PERSONAL_FIELDS
from hearthwatch.privacy.datamap.uses import PROCESSING_USES
from hearthwatch.privacy.limits import service as limits
from hearthwatch.privacy.notice import content as notice_content
from hearthwatch.privacy.oversight import check as privacy_check
from hearthwatch.privacy.retention import service as retention
from hearthwatch.privacy.retention.rules import CLOSED_ACCOUNTS
from tests.conftest import sign_in
from tests.factories import DAY_US, add_camera_with_days, stored_segments
from tests.web.conftest import csrf_of, submit

NOW_US = 1_800_000_000_000_000
RESTRICTIONS = "/api/v1/privacy/limits/restrictions"
OBJECTIONS = "/api/v1/privacy/limits/objections"


def test_p22_every_use_in_the_data_map_is_asked_for_where_it_happens() -> None:
    """A declared use names the data it touches and the functions that ask before each use;
    a use nothing asks about, or data the map does not declare, fails here."""
    declared = {field.key for field in PERSONAL_FIELDS}
    for use in PROCESSING_USES:
        assert use.checked_by, f"{use.name}: nothing checks it"
        assert set(use.data) <= declared, f"{use.name}: undeclared data {set(use.data) - declared}"
        for target in use.checked_by:
            module_name, function_name = target.split(":")
            module = importlib.import_module(module_name)
            source = inspect.getsource(getattr(module, function_name))
            assert "processing_allowed" in source, f"{target} does not ask before {use.name}"
            assert use.name in inspect.getsource(module) or _constant_of(use.name) in source


def _constant_of(name: str) -> str:
    return name.upper()


def _ping(client: TestClient) -> Any:
    token = csrf_of(client.get("/signin").text)
    return client.post(
        "/privacy/analytics/view", params={"path": "/cameras"}, headers={"x-csrf-token": token}
    )


def _views(ctx: AppContext) -> int:
    with ctx.db.session() as db:
        return sum(count.views for count in analytics.totals(db))


def test_p22_objecting_to_analytics_stops_counting_a_signed_in_persons_views(
    ctx: AppContext, client: TestClient, make_user: Any
) -> None:
    submit(client, "/privacy/cookies", {"choice": "save", "analytics": "on"}, page="/signin")
    user = make_user()
    sign_in(client, user.email)
    assert _ping(client).status_code == 204 and _views(ctx) == 1
    assert "hw_visit" in client.cookies
    assert client.post(OBJECTIONS, json={"use": "product_analytics"}).status_code == 201
    answer = _ping(client)
    assert answer.status_code == 204 and _views(ctx) == 1  # not counted any more
    assert "hw_visit" not in client.cookies  # and its analytics cookie is deleted


def test_p21_restricting_everything_stops_analytics_too(
    ctx: AppContext, client: TestClient, make_user: Any
) -> None:
    submit(client, "/privacy/cookies", {"choice": "save", "analytics": "on"}, page="/signin")
    sign_in(client, make_user().email)
    assert client.post(RESTRICTIONS, json={}).status_code == 201
    assert _ping(client).status_code == 204 and _views(ctx) == 0


def _sessions(ctx: AppContext, user: User) -> list[tuple[str | None, str | None]]:
    with ctx.db.session() as db:
        query = select(BrowserSession).where(BrowserSession.user_id == user.id)
        found = db.scalars(query.order_by(BrowserSession.created_at))
        return [(s.ip_address, s.user_agent) for s in found]


def test_p22_objecting_to_sign_in_records_keeps_no_address_or_browser_of_later_sign_ins(
    ctx: AppContext, client: TestClient, make_user: Any
) -> None:
    user = make_user()
    with ctx.clock.frozen() as clock:
        sign_in(client, user.email)
        assert _sessions(ctx, user)[0] != (None, None)  # kept by default (legitimate interest)
        made = client.post(OBJECTIONS, json={"use": "sign_in_records", "reason": "No logs"})
        assert made.status_code == 201
        clock.advance(timedelta(seconds=1))
        sign_in(client, user.email)
        assert _sessions(ctx, user)[-1] == (None, None)
        client.delete(f"/api/v1/privacy/limits/{made.json()['limit']['id']}")
        clock.advance(timedelta(seconds=1))
        sign_in(client, user.email)
        assert _sessions(ctx, user)[-1] != (None, None)  # withdrawn: kept again


def _restrict_camera(ctx: AppContext, camera: Camera, *, days: int | None = None) -> str:
    with ctx.db.session() as db:
        until = ctx.clock.now() + timedelta(days=days) if days else None
        made = limits.restrict(
            ctx, db, user_id=camera.owner_id, use=limits.ALL_USES, camera_id=camera.id,
            until=until, reason="Evidence for an insurance claim",
        )  # fmt: skip
        return made.id


def test_p21_restricted_recordings_are_kept_past_their_retention_until_lifted(
    ctx: AppContext, make_user: Any
) -> None:
    held = add_camera_with_days(ctx, make_user().id, days=5, until_us=NOW_US, retention_days=2)
    bob = make_user("bob@example.org")
    other = add_camera_with_days(ctx, bob.id, days=5, until_us=NOW_US, retention_days=2)
    limit_id = _restrict_camera(ctx, held)
    report = recordings.sweep(ctx, now_us=NOW_US)
    rows, files = stored_segments(ctx, held)
    assert len(rows) == 15 and len(files) == 15  # all kept
    assert report.by_age == 9 and len(stored_segments(ctx, other)[0]) == 6  # the others: as usual
    with ctx.db.session() as db:
        limits.lift(ctx, db, user_id=held.owner_id, limit_id=limit_id)
    assert recordings.sweep(ctx, now_us=NOW_US).by_age == 9
    rows, files = stored_segments(ctx, held)
    assert len(rows) == 6 and all(r.end_us > NOW_US - 2 * DAY_US for r in rows)
    assert files == sorted(r.blob_key for r in rows)


def test_p21_the_privacy_check_does_not_count_held_recordings_as_overdue(
    ctx: AppContext, make_user: Any
) -> None:
    held = add_camera_with_days(ctx, make_user().id, until_us=NOW_US, days=5, retention_days=2)
    limit_id = _restrict_camera(ctx, held)
    at = datetime.fromtimestamp(NOW_US / 1_000_000, UTC)
    with ctx.clock.frozen(at), ctx.db.session() as db:
        assert not [f for f in privacy_check.stale_records(db, at) if "segments" in f.subject]
        limits.lift(ctx, db, user_id=held.owner_id, limit_id=limit_id)
        db.flush()
        (overdue,) = [f for f in privacy_check.stale_records(db, at) if "segments" in f.subject]
        assert overdue.count == 9


def test_p21_restricted_recordings_survive_the_size_limit_and_the_disk_guard(
    ctx: AppContext, make_user: Any
) -> None:
    held = add_camera_with_days(ctx, make_user().id, until_us=NOW_US, days=3, retention_bytes=1)
    bob = make_user("bob@example.org")
    other = add_camera_with_days(ctx, bob.id, days=3, until_us=NOW_US)
    _restrict_camera(ctx, held)
    ctx.settings.keep_free_disk_fraction = 0.5
    report = recordings.sweep(ctx, now_us=NOW_US, free_fraction=lambda: 0.1)
    assert report.by_size == 0 and len(stored_segments(ctx, held)[0]) == 9
    assert report.for_disk == 9 and stored_segments(ctx, other)[0] == []  # only the others go


def test_p21_an_account_wide_restriction_holds_every_camera_and_runs_out(
    ctx: AppContext, make_user: Any
) -> None:
    camera = add_camera_with_days(ctx, make_user().id, until_us=NOW_US, days=5, retention_days=2)
    with ctx.clock.frozen() as clock, ctx.db.session() as db:
        limits.restrict(
            ctx, db, user_id=camera.owner_id, use=limits.ALL_USES, camera_id=None,
            until=clock.now() + timedelta(days=3), reason=None,
        )  # fmt: skip
    with ctx.db.session() as db:
        assert limits.held_cameras(db, at=ctx.clock.now()) == {camera.id}
        assert limits.held_cameras(db, at=ctx.clock.now() + timedelta(days=4)) == set()
    assert recordings.sweep(ctx, now_us=NOW_US).by_age == 0


def test_p21_p34_a_restricted_closed_account_is_kept_past_six_months(
    ctx: AppContext, make_user: Any
) -> None:
    kept, gone = make_user("kept@example.org"), make_user("gone@example.org")
    with ctx.db.session() as db:
        for user in (kept, gone):
            db.get(User, user.id).closed_at = ctx.clock.now() - timedelta(  # type: ignore[union-attr]
                days=31 * CLOSED_ACCOUNTS.months
            )
        made = limits.restrict(
            ctx, db, user_id=kept.id, use=limits.ALL_USES, camera_id=None, until=None,
            reason="Needed for a legal claim",
        )  # fmt: skip
        limit_id = made.id
    assert retention.purge_closed_accounts(ctx) == 1
    with ctx.db.session() as db:
        assert db.get(User, kept.id) is not None and db.get(User, gone.id) is None
        stale = privacy_check.stale_records(db, ctx.clock.now())
        assert not [f for f in stale if f.subject == "users.closed_at"]  # held, not overdue
        limits.lift(ctx, db, user_id=kept.id, limit_id=limit_id)
    assert retention.purge_closed_accounts(ctx) == 1
    with ctx.db.session() as db:
        assert db.get(User, kept.id) is None


def test_p21_a_restriction_of_a_camera_covers_every_use(client: TestClient, alice: User) -> None:
    with_camera = {"use": "marketing", "camera_id": "0" * 32}
    answer = client.post(RESTRICTIONS, json=with_camera)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "privacy.camera_restriction_whole"


def test_p48_p22_the_notice_lists_every_use_and_a_new_use_is_a_material_change(
    ctx: AppContext,
) -> None:
    document = notice_content.generate(ctx.settings)
    assert [u["name"] for u in document["uses"]] == [u.name for u in PROCESSING_USES]
    older = {**document, "uses": document["uses"][:-1]}
    changes = notice_content.material_changes(older, document)
    assert changes == [f"New use: {PROCESSING_USES[-1].title}"]
    before_uses_were_listed = {k: v for k, v in document.items() if k != "uses"}
    assert notice_content.material_changes(before_uses_were_listed, document) == []
