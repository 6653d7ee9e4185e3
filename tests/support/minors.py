"""A child's account (P4) as the minors' tests and the operator's review tests reach it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from hearthwatch.accounts.registration import find_user_by_email
from hearthwatch.context import AppContext
from hearthwatch.mail import deferred
from hearthwatch.privacy.minors import report as minors_report
from hearthwatch.privacy.minors import review as minors_review
from tests.conftest import STRONG_PASSWORD

LOGIN = "/api/v1/auth/login"
REPORT = "/api/v1/privacy/minors/reports"
CHILD = "kit@example.org"
NOON = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def login(client: TestClient, email: str = CHILD) -> Any:
    """Sign in with the strong test password; returns the response."""
    return client.post(LOGIN, json={"email": email, "password": STRONG_PASSWORD})


def account_exists(ctx: AppContext, email: str) -> bool:
    with ctx.db.session() as db:
        return find_user_by_email(db, email) is not None


def confirm_report(ctx: AppContext, email: str = CHILD) -> None:
    """The operator confirms the open report of the account at `email` (issue 11, item 10)."""
    with ctx.db.session() as db:
        user = find_user_by_email(db, email)
        assert user is not None
        report = minors_report.open_report_of(db, user.id)
        assert report is not None
        mails = minors_review.confirm(
            ctx, db, report_id=report.id, operator="dpo", reason="Said she is 11."
        )
    deferred.send_all(ctx.mailer, mails)
