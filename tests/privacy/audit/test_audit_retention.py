"""The audit log keeps its entries for their retention (6 years), then the retention sweep
cuts them off at a checkpoint: the chain still verifies, and no other removal passes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from hearthwatch.context import AppContext
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.audit.models import AuditCheckpoint, AuditEntry
from hearthwatch.privacy.retention import service as retention
from hearthwatch.privacy.retention.rules import row_rules

KEPT_DAYS = next(rule.days for rule in row_rules() if rule.table == "audit_log")


def _write(ctx: AppContext, *, days_ago: int, n: int) -> str:
    """`n` entries written `days_ago`; returns the head hash after them."""
    with ctx.db.session() as db:
        for index in range(n):
            entry = audit.record(
                db, at=ctx.clock.now() - timedelta(days=days_ago), actor=audit.SYSTEM,
                action="test.step", subject_id=f"{index:032x}",
            )  # fmt: skip
        return entry.hash


def _seqs(ctx: AppContext) -> list[int]:
    with ctx.db.session() as db:
        return list(db.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))


def test_p33_entries_past_their_retention_go_and_the_chain_still_verifies(
    ctx: AppContext,
) -> None:
    old_head = _write(ctx, days_ago=KEPT_DAYS + 10, n=5)
    _write(ctx, days_ago=KEPT_DAYS - 10, n=3)  # not old enough yet
    report = retention.sweep(ctx)
    assert report.as_dict()["deleted"]["audit_log"] == 5
    assert _seqs(ctx) == [6, 7, 8, 9]  # 9: the entry that records the cut
    with ctx.db.session() as db:
        (checkpoint,) = db.scalars(select(AuditCheckpoint))
        assert (checkpoint.seq, checkpoint.hash, checkpoint.removed) == (5, old_head, 5)
        pruned = db.get(AuditEntry, 9)
        assert pruned is not None and pruned.action == audit.PRUNED
        result = audit.verify(db, expect_head=old_head)  # a head noted years ago still counts
        assert result.ok, result.problems
        assert result.entries == 4
    assert "audit_log" not in retention.sweep(ctx).deleted  # nothing more is due


def test_p33_a_cut_never_splits_the_chain_at_a_younger_entry(ctx: AppContext) -> None:
    """Entries are cut only up to the first one still within its retention, even if an
    older-dated entry follows it (a clock set back)."""
    _write(ctx, days_ago=KEPT_DAYS + 10, n=2)
    _write(ctx, days_ago=1, n=1)
    _write(ctx, days_ago=KEPT_DAYS + 20, n=2)
    retention.sweep(ctx)
    assert _seqs(ctx) == [3, 4, 5, 6]
    with ctx.db.session() as db:
        assert audit.verify(db).ok


def test_entries_a_checkpoint_does_not_cover_cannot_be_deleted(ctx: AppContext) -> None:
    _write(ctx, days_ago=KEPT_DAYS + 10, n=2)
    _write(ctx, days_ago=1, n=2)
    retention.sweep(ctx)
    for statement in (
        "DELETE FROM audit_log WHERE seq = 4",
        "UPDATE audit_checkpoints SET seq = 10",
        "DELETE FROM audit_checkpoints",
    ):
        with pytest.raises(DBAPIError, match="append-only"), ctx.db.engine.begin() as connection:
            connection.execute(text(statement))
    assert _seqs(ctx) == [3, 4, 5]


def test_entries_removed_under_a_forged_checkpoint_show_in_the_verification(
    ctx: AppContext,
) -> None:
    _write(ctx, days_ago=1, n=5)
    with ctx.db.session() as db:
        third = db.get(AuditEntry, 3)
        assert third is not None
        db.add(
            AuditCheckpoint(
                seq=3, hash=third.hash, last_at=third.at, made_at=ctx.clock.now(), removed=3
            )
        )
    with ctx.db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq <= 3"))
    with ctx.db.session() as db:
        result = audit.verify(db)
        assert not result.ok
        assert any("no retention run" in problem for problem in result.problems)
        assert db.scalar(select(func.count()).select_from(AuditEntry)) == 2
