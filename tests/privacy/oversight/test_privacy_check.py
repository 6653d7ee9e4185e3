"""`hearthwatch privacy check` finds what retention and the data map promise is not there
(P33, P34, P35, P36): stale records, undeclared columns, processing without a basis."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from hearthwatch import cli
from hearthwatch.accounts import signin
from hearthwatch.context import AppContext
from hearthwatch.jobs.scheduler import Job, Scheduler
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.datamap import service as datamap
from hearthwatch.privacy.oversight.check import check, missing_legal_basis
from hearthwatch.privacy.retention import service as retention
from hearthwatch.privacy.retention.closure import close_account
from tests.factories import SECOND, add_camera, add_segment

T0 = datetime(2030, 1, 1, 12, tzinfo=UTC)


@pytest.fixture
def frozen(ctx: AppContext) -> Any:
    with ctx.clock.frozen(T0) as clock:
        yield clock


def run_check(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = cli.main(["privacy", "check", "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_clean_install_passes(
    ctx: AppContext, make_user: Any, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    make_user()
    assert check(ctx).ok
    assert run_check(capsys) == (0, {"ok": True, "findings": []})
    assert cli.main(["privacy", "check"]) == 0
    assert "nothing past retention" in capsys.readouterr().out


def test_p34_p35_p36_stale_rows_reported_until_the_sweep_runs(
    ctx: AppContext, make_user: Any, frozen: Any, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    user, closed = make_user(), make_user("bob@example.org")
    with ctx.db.session() as db:
        signin.open_session(ctx, db, user=user, ip_address="203.0.113.5", user_agent="x")
        close_account(ctx, db, user_id=closed.id, actor=audit.SYSTEM)
    frozen.advance(timedelta(days=200))
    with ctx.db.session() as db:  # the user stays active, only the old session is stale
        db.get(type(user), user.id).last_login_at = ctx.clock.now()  # type: ignore[union-attr]
    code, result = run_check(capsys)
    assert code == 1 and not result["ok"]
    found = {f["subject"]: f for f in result["findings"]}
    assert found["sessions.created_at"]["count"] == 1
    assert found["sessions.created_at"]["oldest"].startswith("2030-01-01")
    assert found["sessions.ip_address"]["count"] == 1
    assert found["users.closed_at"]["count"] == 1
    assert {f["kind"] for f in result["findings"]} == {"retention"}
    retention.sweep(ctx)
    assert run_check(capsys) == (0, {"ok": True, "findings": []})


def test_p33_inactive_account_past_two_years_is_reported(
    ctx: AppContext, make_user: Any, frozen: Any
) -> None:
    make_user()
    frozen.advance(timedelta(days=702))
    (finding,) = check(ctx).findings
    assert finding.subject == "users.last_login_at" and finding.count == 1


@pytest.fixture
def stray_table(ctx: AppContext) -> Iterator[None]:
    with ctx.db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE stray_notes (id INTEGER PRIMARY KEY, phone TEXT)"))
    yield
    with ctx.db.engine.begin() as connection:
        connection.execute(text("DROP TABLE stray_notes"))


def test_undeclared_column_is_reported(
    ctx: AppContext, stray_table: None, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["privacy", "check"]) == 1
    out = capsys.readouterr().out
    assert "[undeclared_column] stray_notes.phone" in out
    assert "[undeclared_column] stray_notes.id" in out


def test_processing_without_legal_basis_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    field = datamap.PERSONAL_FIELDS[0]
    unbased = datamap.PersonalField(
        "users", "shoe_size", "shoe size", datamap.Category.IDENTITY, "", field.legal_basis,
        field.retention,
    )  # fmt: skip
    tracked = datamap.PersonalField(
        "users", "clicks", "clicks", datamap.Category.USAGE, "ad targeting",
        datamap.LegalBasis.CONSENT, datamap.Retention("forever", None, "whim"),
    )  # fmt: skip
    monkeypatch.setattr(datamap, "PERSONAL_FIELDS", (*datamap.PERSONAL_FIELDS, unbased, tracked))
    monkeypatch.setattr("hearthwatch.privacy.retention.rules.PERSONAL_FIELDS",
                        datamap.PERSONAL_FIELDS)  # fmt: skip
    messages = {(f.subject, f.message) for f in missing_legal_basis()}
    assert ("users.shoe_size", "no purpose or no legal basis declared") in messages
    assert ("users.clicks", "consent-based, but no consent purpose covers it") in messages
    assert any(s == "users.clicks" and "no rule enforces" in m for s, m in messages)


def test_p33_recordings_past_their_camera_setting_reported_then_swept_by_the_cli(
    ctx: AppContext, make_user: Any, frozen: Any, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    user = make_user()
    camera_id = add_camera(ctx, user.id, retention_days=3)
    for age_days in (1, 5):
        start = int((T0 - timedelta(days=age_days)).timestamp() * SECOND)
        add_segment(ctx, user.id, camera_id, start, frames=10, data=b"x")
    (finding,) = check(ctx).findings
    assert (finding.subject, finding.count) == ("segments.start_us", 1)
    assert cli.main(["privacy", "retention", "run", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["deleted"] == {"segments": 1}
    assert check(ctx).ok


def test_a_stopped_scheduler_is_reported(ctx: AppContext, frozen: Any) -> None:
    Scheduler(ctx, [Job("test.job", timedelta(hours=1), lambda ctx: None)]).run_due()
    frozen.advance(timedelta(hours=20))
    assert check(ctx).ok
    frozen.advance(timedelta(hours=6))
    (finding,) = check(ctx).findings
    assert finding.subject == "scheduled_jobs.test.job"
