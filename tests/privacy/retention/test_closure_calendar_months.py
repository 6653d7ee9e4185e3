"""P34: a closed account is kept six calendar months, not a fixed number of days: the
receipt, the mail, the sign-in refusal, the pages, the sweep and the privacy check agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hearthwatch import cli
from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.privacy.datamap.types import CLOSURE_MAX_DAYS, UNTIL_CLOSURE
from hearthwatch.privacy.oversight import check as privacy_check
from hearthwatch.privacy.retention import service as retention
from hearthwatch.privacy.retention.closure import deletion_date
from hearthwatch.settings import Settings
from tests.conftest import STRONG_PASSWORD, sign_in
from tests.factories import row_exists
from tests.support.forms import csrf
from tests.support.smtp import Mailbox
from tests.web.conftest import web_sign_in

CLOSE = "/api/v1/privacy/closure"

# Closed at 10:00 on the left day, deleted from 10:00 on the right one.
CALENDAR = [
    (datetime(2026, 8, 31, 10, tzinfo=UTC), datetime(2027, 2, 28, 10, tzinfo=UTC)),
    (datetime(2027, 8, 31, 10, tzinfo=UTC), datetime(2028, 2, 29, 10, tzinfo=UTC)),  # leap
    (datetime(2027, 1, 15, 10, tzinfo=UTC), datetime(2027, 7, 15, 10, tzinfo=UTC)),
    (datetime(2026, 7, 1, 10, tzinfo=UTC), datetime(2027, 1, 1, 10, tzinfo=UTC)),  # 184 days
    (datetime(2026, 12, 31, 10, tzinfo=UTC), datetime(2027, 6, 30, 10, tzinfo=UTC)),
]


def test_p34_item17_data_map_states_the_longest_six_calendar_months() -> None:
    """The data map's figure for "6 months after closure" is a ceiling: no day of a year,
    leap or not, is kept longer, and some day is kept exactly that long."""
    start = datetime(2027, 1, 1, 10, tzinfo=UTC)
    kept = {(deletion_date(start + timedelta(days=d)) - (start + timedelta(days=d))).days
            for d in range(366 * 2)}  # fmt: skip
    assert max(kept) == CLOSURE_MAX_DAYS == UNTIL_CLOSURE.days
    assert min(kept) >= 181


@pytest.mark.parametrize(("closed", "deleted"), CALENDAR)
def test_p34_item17_deletion_date_counts_calendar_months(
    closed: datetime, deleted: datetime
) -> None:
    assert deletion_date(closed) == deleted


def test_p34_item17_closed_31_august_deleted_from_28_february_everywhere(
    client: TestClient, ctx: AppContext, make_user: Any, mailbox: Mailbox
) -> None:
    closed, deleted = CALENDAR[0]
    with ctx.clock.frozen(closed) as clock:
        alice: User = make_user()
        sign_in(client, alice.email)
        answer = client.post(CLOSE, json={"password": STRONG_PASSWORD})
        assert answer.status_code == 200, answer.text
        assert datetime.fromisoformat(answer.json()["delete_after"]) == deleted
        assert answer.json()["receipt"]["payload"]["delete_after"] == deleted.isoformat()
        (mail,) = [m for m in mailbox.to(alice.email) if "closed" in str(m["Subject"])]
        assert "kept until 28 February 2027" in mail.get_content()

        refused = client.post(
            "/api/v1/auth/login", json={"email": alice.email, "password": STRONG_PASSWORD}
        ).json()["error"]
        assert refused["details"]["delete_after"] == deleted.isoformat()
        assert "28 February 2027" in refused["message"]

        clock.advance(deleted - closed - timedelta(seconds=1))
        assert retention.sweep(ctx).closed_accounts_erased == 0
        with ctx.db.session() as db:
            assert not [
                f for f in privacy_check.stale_records(db, clock.now())
                if f.subject == "users.closed_at"
            ]  # fmt: skip
        clock.advance(timedelta(seconds=1))
        with ctx.db.session() as db:
            (overdue,) = [
                f for f in privacy_check.stale_records(db, clock.now())
                if f.subject == "users.closed_at"
            ]  # fmt: skip
        assert overdue.count == 1 and "6 months" in overdue.message
        assert retention.sweep(ctx).closed_accounts_erased == 1
    assert not row_exists(ctx, User, alice.id)


def test_p34_item17_closed_15_january_kept_until_15_july_not_two_days_more(
    ctx: AppContext, make_user: Any
) -> None:
    closed, deleted = CALENDAR[2]
    alice: User = make_user()
    with ctx.db.session() as db:
        db.get(User, alice.id).closed_at = closed  # type: ignore[union-attr]
    with ctx.clock.frozen(deleted - timedelta(seconds=1)) as clock:
        assert retention.purge_closed_accounts(ctx) == 0
        clock.advance(timedelta(seconds=1))  # 181 days: the old 183-day count kept it 2 more
        assert retention.purge_closed_accounts(ctx) == 1


def test_p34_item17_the_close_page_shows_the_calendar_date(
    client: TestClient, ctx: AppContext, make_user: Any
) -> None:
    closed, _ = CALENDAR[0]
    with ctx.clock.frozen(closed):
        alice: User = make_user()
        web_sign_in(client, alice.email)
        shown = client.get("/privacy/close").text
        assert "kept for 6 months, until 28 Feb 2027" in shown
        assert "183" not in shown
        done = client.post(
            "/privacy/close", data={"csrf_token": csrf(client, "/privacy/close"),
                                    "password": STRONG_PASSWORD},
        )  # fmt: skip
        assert done.status_code == 200 and "kept until 28 Feb 2027" in done.text


def test_p34_item17_the_close_account_command_prints_the_calendar_date(
    ctx: AppContext,
    settings: Settings,
    make_user: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    closed, deleted = CALENDAR[0]
    alice: User = make_user()
    monkeypatch.setenv("HEARTHWATCH_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("HEARTHWATCH_DATABASE_URL", settings.database_url)
    with ctx.clock.frozen(closed):
        assert cli.main(["privacy", "close-account", "--account", alice.id]) == 0
    assert f"erased from {deleted.isoformat()}" in capsys.readouterr().out
