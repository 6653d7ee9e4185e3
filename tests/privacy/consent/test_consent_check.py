"""`hearthwatch privacy check` reads what happened, not only what is declared (issue 4 item
13): every marketing mail sent is held against the consent ledger and the person's
objections and restrictions at that moment (P24, P28, P21, P22)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hearthwatch import cli
from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.audit.models import AuditEntry
from hearthwatch.privacy.consent import marketing
from hearthwatch.privacy.consent import service as consent
from hearthwatch.privacy.consent.service import Channel
from hearthwatch.privacy.limits import service as limits
from hearthwatch.privacy.limits.models import ProcessingLimit
from hearthwatch.privacy.oversight.check import Finding, check

T0 = datetime(2030, 3, 1, 9, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def frozen(ctx: AppContext) -> Iterator[AppContext]:
    with ctx.clock.frozen(T0):
        yield ctx


def at(ctx: AppContext, moment: datetime) -> None:
    ctx.clock.advance(moment - ctx.clock.now())


def grant(ctx: AppContext, user: User) -> None:
    with ctx.db.session() as db:
        consent.grant(ctx, db, user_id=user.id, purpose=marketing.PURPOSE, channel=Channel.WEB)


def withdraw(ctx: AppContext, user: User) -> None:
    with ctx.db.session() as db:
        consent.withdraw(ctx, db, user_id=user.id, purpose=marketing.PURPOSE, channel=Channel.WEB)


def plant_send(ctx: AppContext, user: User) -> None:
    """A mail recorded as sent, whatever the ledger said: what a bug would leave behind."""
    with ctx.db.session() as db:
        audit.record(db, at=ctx.clock.now(), actor=audit.SYSTEM, action=marketing.SENT,
                     subject_id=user.id, details={"purpose": marketing.PURPOSE})  # fmt: skip


def use_findings(ctx: AppContext) -> dict[str, Finding]:
    return {f.code: f for f in check(ctx).findings if f.code.startswith("use.")}


def test_lawful_marketing_leaves_a_record_and_no_finding(
    frozen: AppContext, make_user: Any
) -> None:
    alice, bob = make_user(), make_user("bob@example.org")
    grant(frozen, alice)  # at the same instant as the mail: a grant counts as before it
    with frozen.db.session() as db:
        assert marketing.send_campaign(frozen, db, subject="News", body="Hi").sent == 1
    at(frozen, T0 + HOUR)
    withdraw(frozen, alice)  # after the mail: it was lawful when it went
    with frozen.db.session() as db:
        limits.object_to(frozen, db, user_id=bob.id, use=marketing.USE, reason=None)
        sent = db.scalars(select(AuditEntry).where(AuditEntry.action == marketing.SENT)).all()
    assert [(e.subject_id, e.actor, json.loads(e.details)) for e in sent] == [
        (alice.id, audit.SYSTEM, {"purpose": marketing.PURPOSE})  # an id, no address
    ]
    assert check(frozen).ok


def test_a_mail_to_someone_who_never_consented_is_reported_with_masked_examples(
    frozen: AppContext, make_user: Any
) -> None:
    bob = make_user("bob@example.org")
    plant_send(frozen, bob)
    finding = use_findings(frozen)["use.without_consent"]
    assert (finding.kind, finding.subject, finding.count) == (
        "legal_basis", "audit_log.marketing.sent", 1,
    )  # fmt: skip
    assert finding.oldest == T0.isoformat()
    assert "had not consented to marketing_email" in finding.message
    (example,) = finding.examples
    assert bob.id in example and "b***@e***.org" in example and bob.email not in example
    assert set(use_findings(frozen)) == {"use.without_consent"}


def test_a_mail_after_the_consent_was_withdrawn_is_reported(
    frozen: AppContext, make_user: Any
) -> None:
    alice = make_user()
    grant(frozen, alice)
    at(frozen, T0 + HOUR)
    plant_send(frozen, alice)  # consent stood: lawful
    at(frozen, T0 + 2 * HOUR)
    withdraw(frozen, alice)
    at(frozen, T0 + 3 * HOUR)
    plant_send(frozen, alice)
    plant_send(frozen, alice)
    found = use_findings(frozen)
    assert set(found) == {"use.after_withdrawal"}
    assert found["use.after_withdrawal"].count == 2
    assert found["use.after_withdrawal"].oldest == (T0 + 3 * HOUR).isoformat()


def test_a_mail_under_an_objection_since_lifted_is_still_reported(
    frozen: AppContext, make_user: Any
) -> None:
    """`limits.processing_allowed` answers for now; the check answers for then."""
    alice = make_user()
    grant(frozen, alice)
    with frozen.db.session() as db:  # planted directly: an objection from 1h to 3h
        db.add(ProcessingLimit(user_id=alice.id, kind=limits.OBJECTION, use=marketing.USE,
                               started_at=T0 + HOUR, lifted_at=T0 + 3 * HOUR))  # fmt: skip
        db.add(
            ProcessingLimit(
                user_id=alice.id,
                kind=limits.RESTRICTION,
                use=limits.ALL_USES,
                camera_id="c" * 32,
                started_at=T0,
            )
        )  # one camera's: no matter
    for hours in (0.5, 2, 4):  # before, during and after the objection
        at(frozen, T0 + hours * HOUR)
        plant_send(frozen, alice)
    found = use_findings(frozen)
    assert set(found) == {"use.while_limited"}
    assert (found["use.while_limited"].count, found["use.while_limited"].oldest) == (
        1, (T0 + 2 * HOUR).isoformat(),
    )  # fmt: skip


def test_uses_by_erased_accounts_are_not_judged(frozen: AppContext, make_user: Any) -> None:
    bob = make_user("bob@example.org")
    plant_send(frozen, bob)
    with frozen.db.session() as db:
        db.delete(db.get(User, bob.id))
    assert use_findings(frozen) == {}
    with frozen.db.session() as db:
        assert db.scalar(select(func.count()).where(AuditEntry.action == marketing.SENT)) == 1


def test_the_cli_and_the_operator_api_show_the_finding(
    frozen: AppContext, make_user: Any, env: None,
    olga: tuple[User, TestClient],
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    plant_send(frozen, make_user("bob@example.org"))
    assert cli.main(["privacy", "check"]) == 1
    out = capsys.readouterr().out
    assert "[use.without_consent] audit_log.marketing.sent:" in out
    assert "e.g. audit entry" in out and "b***@e***.org" in out and "bob@example.org" not in out
    assert cli.main(["privacy", "check", "--json"]) == 1
    (listed,) = json.loads(capsys.readouterr().out)["findings"]
    assert listed["code"] == "use.without_consent" and len(listed["examples"]) == 1
    _, desk = olga
    answer = desk.get("/api/v1/privacy/operator/check")
    assert answer.status_code == 200 and answer.json()["ok"] is False
    (shown,) = answer.json()["findings"]
    assert (shown["code"], shown["count"], shown["examples"]) == (
        "use.without_consent", 1, listed["examples"],
    )  # fmt: skip
