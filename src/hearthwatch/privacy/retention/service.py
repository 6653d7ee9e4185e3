"""The retention sweep: deletes what the rules in `retention_rules` say has been kept long
enough (P33, P34, P35, P36).

Each step works in small batches, one short transaction each, so a sweep over a large
backlog never holds a long lock; every batch that removes or changes personal data
appends an audit entry (actor `system`) with its counts in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Table, delete, or_, select, update
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.models import metadata
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.erasure import service as erasure
from hearthwatch.privacy.limits import service as limits
from hearthwatch.privacy.retention.closure import due_for_deletion
from hearthwatch.privacy.retention.inactivity import sweep_inactive
from hearthwatch.privacy.retention.ip import truncate_ip
from hearthwatch.privacy.retention.rules import (
    ENDED_TOKENS,
    SESSION_IPS,
    RetentionRule,
    row_rules,
)

log = logging.getLogger("hearthwatch.retention")

BATCH = 500


@dataclass
class RetentionReport:
    """What one sweep did: rows deleted per table, accounts erased, mails sent."""

    deleted: dict[str, int] = field(default_factory=dict)
    closed_accounts_erased: int = 0
    inactive_accounts_erased: int = 0
    inactivity_warnings_sent: int = 0
    ips_truncated: int = 0

    def add(self, table: str, count: int) -> None:
        if count:
            self.deleted[table] = self.deleted.get(table, 0) + count

    def as_dict(self) -> dict[str, object]:
        return {
            "deleted": dict(sorted(self.deleted.items())),
            "closed_accounts_erased": self.closed_accounts_erased,
            "inactive_accounts_erased": self.inactive_accounts_erased,
            "inactivity_warnings_sent": self.inactivity_warnings_sent,
            "ips_truncated": self.ips_truncated,
        }


def sweep(ctx: AppContext) -> RetentionReport:
    """Apply every retention rule once, now."""
    report = RetentionReport()
    report.closed_accounts_erased = purge_closed_accounts(ctx)
    warned, erased = sweep_inactive(ctx, erase=erase_accounts)
    report.inactivity_warnings_sent, report.inactive_accounts_erased = warned, erased
    for rule in row_rules():
        report.add(rule.table, purge_rows(ctx, rule) if rule.deletes else prune_log(ctx, rule))
    report.add(ENDED_TOKENS.table, purge_ended_tokens(ctx))
    report.ips_truncated = truncate_session_ips(ctx)
    log.info("privacy retention sweep", extra=report.as_dict())
    return report


def purge_closed_accounts(ctx: AppContext) -> int:
    """Erase every account whose closed-account period has run out (P34)."""
    with ctx.db.session() as db:
        due = due_for_deletion(db, ctx.clock.now())
    return erase_accounts(ctx, due, reason="closed")


def erase_accounts(ctx: AppContext, where: ColumnElement[bool], *, reason: str) -> int:
    """Erase every account matching `where`, except those a restriction holds (P21: the
    person asked for the data to be kept); one that fails is logged and left for the next
    sweep, so it cannot hold up the others."""
    erased, failed = 0, set[str]()
    held = limits.held_accounts(ctx.clock.now())
    while True:
        with ctx.db.session() as db:
            candidates = select(User.id).where(where, User.id.not_in(held))
            query = candidates.where(User.id.not_in(failed)).limit(BATCH)
            ids = list(db.scalars(query))
        if not ids:
            return erased
        for user_id in ids:
            try:
                erase_account(ctx, user_id, reason=reason)
                erased += 1
            except Exception:
                log.exception("retention could not erase an account", extra={"user": user_id})
                failed.add(user_id)


def erase_account(ctx: AppContext, user_id: str, *, reason: str) -> None:
    """Erase one account through the erasure path (keys first, signed receipt), logged as
    the system's doing, then delete its stored objects."""
    with ctx.db.session() as db:
        user = db.get(User, user_id)
        if user is None:
            return
        outcome = erasure.erase_account_data(ctx, db, user=user)
        rows = outcome.receipt["payload"]["rows"]
        _audit(
            db,
            ctx.clock.now(),
            f"retention.account_erased.{reason}",
            {"rows": sum(rows.values()), "objects": outcome.receipt["payload"]["objects"]},
            subject_id=user_id,
        )
    if outcome.job_id is not None:
        erasure.run_job(ctx, outcome.job_id)


def purge_rows(ctx: AppContext, rule: RetentionRule) -> int:
    """Delete the rows of one table older than its rule allows, in batches."""
    table = metadata.tables[rule.table]
    cutoff = ctx.clock.now() - rule.period
    return _delete_batches(ctx, table, table.c[rule.column] < cutoff, f"retention.{rule.table}")


def prune_log(ctx: AppContext, rule: RetentionRule) -> int:
    """Cut the audit log's entries past their retention off at a checkpoint."""
    now = ctx.clock.now()
    with ctx.db.session() as db:
        return audit.prune(db, before=now - rule.period, now=now)


def purge_ended_tokens(ctx: AppContext) -> int:
    """Delete API tokens that ended (revoked or expired) longer ago than allowed (P35)."""
    table = metadata.tables[ENDED_TOKENS.table]
    cutoff = ctx.clock.now() - timedelta(days=ENDED_TOKENS.days)
    ended = or_(*(table.c[name] < cutoff for name in ENDED_TOKENS.ended_columns))
    return _delete_batches(ctx, table, ended, "retention.ended_tokens")


def _delete_batches(ctx: AppContext, table: Table, where: ColumnElement[bool], action: str) -> int:
    (key,) = table.primary_key.columns
    deleted = 0
    while True:
        with ctx.db.session() as db:
            ids = list(db.scalars(select(key).where(where).limit(BATCH)))
            if not ids:
                return deleted
            db.execute(delete(table).where(key.in_(ids)))
            _audit(db, ctx.clock.now(), action, {"table": table.name, "rows": len(ids)})
        deleted += len(ids)


def truncate_session_ips(ctx: AppContext) -> int:
    """Cut stored IP addresses to their network once the session ended a while ago (P36)."""
    table = metadata.tables[SESSION_IPS.table]
    column = table.c[SESSION_IPS.column]
    cutoff = ctx.clock.now() - timedelta(days=SESSION_IPS.after_days)
    ended = or_(*(table.c[name] < cutoff for name in SESSION_IPS.ended_columns))
    full = column.is_not(None) & column.not_like("%/%")
    return _rewrite_batches(ctx, table, ended & full, _truncated)


def _truncated(value: str) -> str:
    return truncate_ip(value, v4=SESSION_IPS.ipv4_prefix, v6=SESSION_IPS.ipv6_prefix)


def _rewrite_batches(
    ctx: AppContext, table: Table, where: ColumnElement[bool], rewrite: Callable[[str], str]
) -> int:
    (key,) = table.primary_key.columns
    column = table.c[SESSION_IPS.column]
    done = 0
    while True:
        with ctx.db.session() as db:
            rows = list(db.execute(select(key, column).where(where).limit(BATCH)))
            if not rows:
                return done
            for row_id, value in rows:
                db.execute(update(table).where(key == row_id).values({column: rewrite(value)}))
            _audit(db, ctx.clock.now(), "retention.ip_truncated", {"rows": len(rows)})
        done += len(rows)


def _audit(
    db: Session,
    at: datetime,
    action: str,
    details: dict[str, object],
    subject_id: str | None = None,
) -> None:
    audit.record(
        db, at=at, actor=audit.SYSTEM, action=action, subject_id=subject_id, details=details
    )
