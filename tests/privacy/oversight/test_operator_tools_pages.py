"""The operator's proofs in the web app (P44, items 13 and 17): statistics, the audit log
check and the privacy check, at /operator/*, for operators only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.audit.models import AuditEntry
from tests.web.conftest import PageStructure

TOOLS = ("/operator/statistics", "/operator/audit", "/operator/check", "/operator/minors")


def assert_accessible(html: str, name: str) -> None:
    page = PageStructure(html)
    labelled = {attrs["for"] for attrs in page.all("label")}
    for control in page.controls():
        assert control.get("id") in labelled, f"{name}: unlabelled {control}"
    assert len(page.ids()) == len(set(page.ids())), f"{name}: duplicate ids"
    assert (page.inline_scripts, page.style_blocks, page.styled()) == (0, 0, []), name


def audit_actions(ctx: AppContext, action: str) -> int:
    with ctx.db.session() as db:
        query = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
        return int(db.scalar(query) or 0)


def head_hash(ctx: AppContext) -> str:
    with ctx.db.session() as db:
        return audit.verify(db).head_hash


def test_p44_operator_tools_are_linked_from_the_operator_menu(
    olga: tuple[User, TestClient],
) -> None:
    _, desk = olga
    assert 'href="/operator/requests"' in desk.get("/").text
    listing = desk.get("/operator/requests").text
    for path in TOOLS:
        assert f'href="{path}"' in listing
        shown = desk.get(path)
        assert shown.status_code == 200, path
        assert 'aria-label="Operator tools"' in shown.text
        assert f'href="{path}" aria-current="page"' in shown.text
        assert_accessible(shown.text, path)


def test_p44_statistics_page_shows_aggregates_only_and_is_audited(
    olga: tuple[User, TestClient],
    ctx: AppContext,
    make_user: Any,
) -> None:
    _, desk = olga
    make_user("bob@example.org")
    before = audit_actions(ctx, "statistics.made")
    page = desk.get("/operator/statistics")
    assert page.status_code == 200
    assert "Accounts by number of cameras" in page.text
    assert "Fewer than 10 (not shown)" in page.text  # too few people: suppressed
    assert "bob@example.org" not in page.text and "b***@e***.org" not in page.text
    assert audit_actions(ctx, "statistics.made") == before + 1  # as the API's run


def test_item17_audit_page_checks_the_chain_and_an_expected_head(
    olga: tuple[User, TestClient],
    ctx: AppContext,
) -> None:
    _, desk = olga
    desk.get("/operator/statistics")  # something in the log
    head = head_hash(ctx)
    page = desk.get("/operator/audit")
    assert page.status_code == 200 and "Intact" in page.text and head in page.text
    with ctx.db.session() as db:
        entries = audit.verify(db).entries
    assert f"<dt>Entries</dt><dd>{entries}</dd>" in page.text

    found = desk.get("/operator/audit", params={"expect_head": f" {head.upper()} "})
    assert "found in the log" in found.text and "Intact" in found.text
    rewritten = desk.get("/operator/audit", params={"expect_head": "a" * 64})
    assert rewritten.status_code == 200
    assert "Broken" in rewritten.text and "not in the log: it was rewritten" in rewritten.text

    typo = desk.get("/operator/audit", params={"expect_head": "abc123"})
    assert typo.status_code == 422
    assert 'id="au-expect_head-error"' in typo.text and "64 characters" in typo.text
    assert 'value="abc123"' in typo.text  # what was typed is kept
    assert "Intact" in typo.text  # the chain itself is still checked


def test_item13_check_page_groups_findings_with_their_codes(
    olga: tuple[User, TestClient],
    ctx: AppContext,
    make_user: Any,
) -> None:
    _, desk = olga
    clean = desk.get("/operator/check")
    assert clean.status_code == 200 and "No findings" in clean.text
    forgotten: User = make_user("bob@example.org")
    with ctx.db.session() as db:
        user = db.get(User, forgotten.id)
        assert user is not None
        user.closed_at = ctx.clock.now() - timedelta(days=200)  # the sweep never ran
    page = desk.get("/operator/check")
    assert "1 finding" in page.text
    assert '<h2 id="k-retention">Kept past its retention <code>retention</code>' in page.text
    assert "<code>users.closed_at</code>" in page.text and "(P34)" in page.text
    assert '<h2 id="k-legal_basis">' in page.text  # every kind has its group, empty or not


@pytest.mark.parametrize("path", TOOLS)
def test_operator_tools_refuse_everyone_but_operators(
    client: TestClient, alice: User, app: FastAPI, path: str
) -> None:
    refused = client.get(path)
    assert refused.status_code == 403
    assert "operators can do this" in refused.text
    assert 'href="/operator/' not in refused.text
    with TestClient(app) as visitor:
        away = visitor.get(path, follow_redirects=False)
        assert away.status_code == 303 and away.headers["location"].startswith("/signin")
