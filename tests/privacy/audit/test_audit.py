"""The tamper-evident audit log and signed receipts (issue 4 item 17; receipts for P19, P24)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from hearthwatch.context import AppContext
from hearthwatch.db.guards import guard_statements
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.audit.models import AuditEntry
from hearthwatch.privacy.audit.receipts import ReceiptSigner, verify_receipt
from hearthwatch.settings import Settings


def write_entries(ctx: AppContext, count: int) -> None:
    now = ctx.clock.now()
    with ctx.db.session() as db:
        for n in range(count):
            audit.record(
                db,
                at=now + timedelta(seconds=n),
                actor=audit.actor_user("a" * 32),
                action="consent.granted",
                subject_id="a" * 32,
                details={"purpose": "marketing_email", "n": n},
            )


def verify(ctx: AppContext, expect_head: str | None = None) -> audit.Verification:
    with ctx.db.session() as db:
        return audit.verify(db, expect_head=expect_head)


def tamper(ctx: AppContext, statement: str) -> None:
    """What an attacker with database access does: drop the guard, change the rows, and put
    the guard back (in one transaction, so later tests on a shared database keep it)."""
    with ctx.db.engine.begin() as connection:
        dialect = connection.dialect.name
        if dialect == "sqlite":
            connection.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
            connection.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
        else:
            connection.execute(text("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log"))
            connection.execute(text("DROP FUNCTION IF EXISTS audit_log_refuse_change()"))
        connection.execute(text(statement))
        for guard in guard_statements(AuditEntry, dialect):
            connection.execute(text(guard))


def test_an_untouched_log_verifies(ctx: AppContext) -> None:
    write_entries(ctx, 5)
    result = verify(ctx)
    assert result.ok and result.entries == 5, result.problems
    assert verify(ctx, expect_head=result.head_hash).ok


def test_an_empty_log_verifies(ctx: AppContext) -> None:
    assert verify(ctx).ok


def test_the_database_refuses_changes_and_deletions(ctx: AppContext) -> None:
    write_entries(ctx, 2)
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), ctx.db.engine.begin() as connection:
            connection.execute(text(statement))
    assert verify(ctx).ok


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        ("UPDATE audit_log SET details = '{}' WHERE seq = 2", "entry 2 was changed"),
        ("DELETE FROM audit_log WHERE seq = 2", "missing"),
        ("DELETE FROM audit_log WHERE seq = 4", "removed from the end"),
    ],
)
def test_verify_finds_an_edited_or_deleted_entry(
    ctx: AppContext, statement: str, problem: str
) -> None:
    write_entries(ctx, 4)
    tamper(ctx, statement)
    result = verify(ctx)
    assert not result.ok
    assert any(problem in p for p in result.problems), result.problems


def test_a_rewritten_tail_is_caught_by_a_noted_head(ctx: AppContext) -> None:
    write_entries(ctx, 3)
    noted = verify(ctx).head_hash
    tamper(ctx, "DELETE FROM audit_log WHERE seq = 3")
    with ctx.db.engine.begin() as connection:  # the attacker also rewinds the head
        connection.execute(
            text("UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit_log WHERE seq = 2)")
        )
    assert verify(ctx).ok  # the chain itself is consistent again...
    result = verify(ctx, expect_head=noted)  # ...but the published head is gone
    assert not result.ok and "rewritten" in result.problems[0]


def test_cli_audit_verify(ctx: AppContext, settings: Settings) -> None:
    write_entries(ctx, 3)
    env = {
        "HEARTHWATCH_DATA_DIR": str(settings.data_dir),
        "HEARTHWATCH_DATABASE_URL": settings.resolved_database_url,
        "HEARTHWATCH_KEYRING_URL": settings.resolved_keyring_url,
        "HEARTHWATCH_ENVIRONMENT": "development",
        "PATH": "/usr/bin:/bin",
    }
    command = [sys.executable, "-m", "hearthwatch.cli", "privacy", "audit", "verify", "--json"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["entries"] == 3
    tamper(ctx, "UPDATE audit_log SET action = 'consent.withdrawn' WHERE seq = 1")
    done = subprocess.run(command[:-1], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 1 and "entry 1 was changed" in done.stdout


def test_receipts_verify_with_the_published_key(ctx: AppContext, client: TestClient) -> None:
    """A receipt checks out against /api/v1/privacy/receipt-key, and not once changed."""
    receipt = ctx.receipts.sign("consent.change", {"purpose": "marketing_email", "granted": False})
    published = client.get("/api/v1/privacy/receipt-key").json()
    key = base64.b64decode(published["public_key"])
    assert published["key_id"] == receipt["key_id"]
    assert verify_receipt(receipt, key)
    assert verify_receipt(json.loads(json.dumps(receipt, indent=2)), key)
    forged = {**receipt, "payload": {**receipt["payload"], "granted": True}}
    assert not verify_receipt(forged, key)
    assert not verify_receipt({**receipt, "kind": "erasure"}, key)
    assert not verify_receipt({**receipt, "signature": "!!"}, key)
    assert ReceiptSigner(ctx.keyring).key_id == receipt["key_id"]  # same key on every node
