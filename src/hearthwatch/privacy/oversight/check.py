"""`hearthwatch privacy check`: inspect a live installation against the data map.

Four kinds of finding, each with a stable code and enough detail to act on:

- `retention`: records kept past their retention (count and oldest moment per rule), so
  a stopped scheduler or a broken rule cannot go unnoticed (P33 to P36);
- `undeclared_column`: a column of the live schema that the data map neither declares as
  personal nor lists as non-personal with a reason (a table created by hand, a migration
  run without its declaration);
- `legal_basis`: processing declared without a purpose or a legal basis, a retention no
  rule enforces, or a consent-based field whose purpose has no consent in the ledger's
  list of purposes; and, from the record of what happened, each consent-based use (a
  marketing mail) made without consent in the ledger at that moment, after a withdrawal,
  or under an objection or restriction (`consent_check`: codes `use.*`, with examples);
- `notice` (code `notice.out_of_date`): the newest published privacy notice is not what
  the data map says now, so people are told less than is done (P48). Publishing it (the
  service does at its next start) goes through the usual announcement for a material
  change. Before the first start nothing is published and there is nobody to tell yet.

- `unsealed` (code `storage.unsealed`): a column the data map marks sealed (P38) holds
  values in plaintext, which the start-up or `hearthwatch migrate` seals.

A finding is only raised a grace period after a deadline passed, since the sweep runs on
a schedule, not at every instant.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, func, inspect, literal, or_, select
from sqlalchemy.orm import Session

from hearthwatch import server_log
from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.jobs.models import ScheduledJob
from hearthwatch.media.models import Segment
from hearthwatch.models import metadata
from hearthwatch.privacy.consent import check as consent_check
from hearthwatch.privacy.datamap import service as datamap
from hearthwatch.privacy.limits import service as limits
from hearthwatch.privacy.notice import content as notice_content
from hearthwatch.privacy.notice import service as notice
from hearthwatch.privacy.retention.closure import due_for_deletion
from hearthwatch.privacy.retention.inactivity import active_since
from hearthwatch.privacy.retention.models import InactivityWarning
from hearthwatch.privacy.retention.rules import (
    CLOSED_ACCOUNTS,
    ENDED_TOKENS,
    INACTIVE_ACCOUNTS,
    RECORDING_CEILING_DAYS,
    SESSION_IPS,
    row_rules,
    unenforced,
)
from hearthwatch.security.sealed_rows import plaintext_counts
from hearthwatch.settings import Settings

GRACE = timedelta(days=1)
DAY_US = 86_400_000_000


@dataclass(frozen=True)
class Finding:
    kind: str  # retention | undeclared_column | legal_basis | notice | unsealed
    subject: str  # a table, table.column or rule
    message: str
    count: int = 0
    oldest: str | None = None
    code: str = ""  # a stable code; the kind itself where the kind says it all
    examples: tuple[str, ...] = ()  # a few cases to start from, personal data masked

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "code": self.code or self.kind, "examples": list(self.examples)}


@dataclass(frozen=True)
class CheckResult:
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "findings": [f.as_dict() for f in self.findings]}


def check(ctx: AppContext) -> CheckResult:
    """Every finding about the installation behind `ctx`."""
    now = ctx.clock.now() - GRACE
    with ctx.db.session() as db:
        findings = [*stale_records(db, now), *undeclared_columns(db), *missing_legal_basis()]
        findings += [*unlawful_uses(db), *stale_notice(ctx.settings, db, ctx.clock.now())]
        findings += unsealed_columns(db)
    old_logs = _old_server_logs(ctx.settings.data_dir, now, ctx.settings.server_log_days)
    return CheckResult(tuple(findings + old_logs))


def unsealed_columns(db: Session) -> list[Finding]:
    """Sealed columns (P38) holding plaintext: a dump of the database would show them."""
    return [
        Finding("unsealed", key, "values of a sealed column stored in plaintext", count,
                code="storage.unsealed")
        for key, count in plaintext_counts(db).items()
    ]  # fmt: skip


def _old_server_logs(data_dir: Path, now: datetime, days: int) -> list[Finding]:
    """This node's server log files past their time (P36)."""
    old = server_log.expired(server_log.directory(data_dir), today=now.date(), days=days)
    if not old:
        return []
    return [Finding(
        "retention", f"server log ({server_log.directory(data_dir)})",
        f"server log files kept more than {days} days", len(old), old[0].day.isoformat(),
    )]  # fmt: skip


def stale_records(db: Session, now: datetime) -> list[Finding]:
    found = [_stale_rows(db, t.table, t.column, now - t.period, t.days) for t in _row_rules()]
    found += [
        _closed_accounts(db, now),
        _inactive_accounts(db, now),
        _ended_tokens(db, now),
        _full_ips(db, now),
        *_old_recordings(db, now),
        *_overdue_jobs(db, now),
    ]
    return [f for f in found if f is not None]


def _row_rules() -> list[Any]:
    return [r for r in row_rules() if r.table in metadata.tables]


def _stale_rows(
    db: Session, table: str, column: str, cutoff: datetime, days: int
) -> Finding | None:
    anchor = metadata.tables[table].c[column]
    return _finding(
        db, metadata.tables[table], anchor < cutoff, anchor,
        f"{table}.{column}", f"rows kept more than {days} days after {column}",
    )  # fmt: skip


def _closed_accounts(db: Session, now: datetime) -> Finding | None:
    due = due_for_deletion(db, now) & User.id.not_in(limits.held_accounts(now))
    return _finding(
        db, User.__table__, due, User.closed_at, "users.closed_at",
        f"accounts closed more than {CLOSED_ACCOUNTS.months} months ago and not yet erased "
        "(P34)",
    )  # fmt: skip


def _inactive_accounts(db: Session, now: datetime) -> Finding | None:
    rule = INACTIVE_ACCOUNTS
    silent = now - timedelta(days=rule.warn_after_days)
    overdue = now - timedelta(days=rule.delete_after_days)
    unwarned = (
        ~select(InactivityWarning.user_id).where(InactivityWarning.user_id == User.id).exists()
    )
    warned_long_ago = (
        select(InactivityWarning.user_id)
        .where(InactivityWarning.user_id == User.id, InactivityWarning.warned_at < overdue)
        .exists()
    )
    where = User.closed_at.is_(None) & ~active_since(silent) & or_(unwarned, warned_long_ago)
    where &= User.id.not_in(limits.held_accounts(now))  # kept on the person's request (P21)
    return _finding(
        db, User.__table__, where, User.created_at, "users.last_login_at",
        f"accounts unused for {rule.warn_after_days} days, not warned or not erased (P33)",
    )  # fmt: skip


def _ended_tokens(db: Session, now: datetime) -> Finding | None:
    table = metadata.tables[ENDED_TOKENS.table]
    cutoff = now - timedelta(days=ENDED_TOKENS.days)
    ended = or_(*(table.c[name] < cutoff for name in ENDED_TOKENS.ended_columns))
    return _finding(
        db, table, ended, table.c.created_at, f"{table.name}.revoked_at",
        f"tokens kept more than {ENDED_TOKENS.days} days after they ended (P35)",
    )  # fmt: skip


def _full_ips(db: Session, now: datetime) -> Finding | None:
    table = metadata.tables[SESSION_IPS.table]
    column = table.c[SESSION_IPS.column]
    cutoff = now - timedelta(days=SESSION_IPS.after_days)
    ended = or_(*(table.c[name] < cutoff for name in SESSION_IPS.ended_columns))
    full = column.is_not(None) & column.not_like("%/%")
    return _finding(
        db, table, ended & full, table.c.created_at, f"{table.name}.{column.name}",
        f"full IP addresses kept more than {SESSION_IPS.after_days} days after the session (P36)",
    )  # fmt: skip


def _old_recordings(db: Session, now: datetime) -> list[Finding | None]:
    now_us = int(now.timestamp() * 1_000_000)
    held = Segment.camera_id.not_in(limits.held_cameras(db, at=now))  # restricted (P21): kept
    ceiling = (Segment.end_us < now_us - RECORDING_CEILING_DAYS * DAY_US) & held
    cameras = Camera.__table__
    per_camera = (
        Camera.retention_days.is_not(None)
        & (Segment.end_us < literal(now_us, BigInteger) - Camera.retention_days * _day_us())
        & held
    )
    table = Segment.__table__
    joined = table.join(cameras, cameras.c.id == Segment.camera_id)
    return [
        _finding(db, table, ceiling, None, "segments.end_us",
                 f"recordings older than {RECORDING_CEILING_DAYS} days"),
        _finding(db, joined, per_camera, None, "segments.start_us",
                 "recordings older than their camera's retention setting"),
    ]  # fmt: skip


def _day_us() -> ColumnElement[int]:
    return literal(DAY_US, BigInteger)  # 64-bit: PostgreSQL would overflow a 32-bit product


def _overdue_jobs(db: Session, now: datetime) -> list[Finding]:
    """Scheduled jobs a day or more behind: nobody is running the scheduler."""
    overdue = db.scalars(select(ScheduledJob).where(ScheduledJob.next_run_at < now))
    return [
        Finding("retention", f"scheduled_jobs.{job.name}",
                "job overdue by more than a day: is a recording node running `hearthwatch serve`?",
                1, _iso(job.next_run_at))
        for job in overdue
    ]  # fmt: skip


def _finding(
    db: Session,
    table: Any,
    where: ColumnElement[bool],
    moment: Any,
    subject: str,
    message: str,
) -> Finding | None:
    count = int(db.scalar(select(func.count()).select_from(table).where(where)) or 0)
    if not count:
        return None
    oldest = (
        db.scalar(select(func.min(moment)).select_from(table).where(where))
        if moment is not None
        else None
    )
    return Finding("retention", subject, message, count, _iso(oldest))


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


def undeclared_columns(db: Session) -> list[Finding]:
    """Columns of the live schema that the data map does not account for."""
    declared = datamap.personal_field_keys() | set(datamap.NON_PERSONAL)
    schema = inspect(db.connection())
    return [
        Finding("undeclared_column", f"{table}.{column['name']}",
                "a column the data map neither declares as personal nor lists as non-personal")
        for table in sorted(schema.get_table_names())
        for column in schema.get_columns(table)
        if f"{table}.{column['name']}" not in declared
    ]  # fmt: skip


def missing_legal_basis() -> list[Finding]:
    """Declared processing without a purpose, a legal basis or an enforced retention."""
    findings = [
        Finding("legal_basis", name, "no purpose or no legal basis declared")
        for name, purpose, basis in _declarations()
        if not purpose.strip() or basis not in set(datamap.LegalBasis)
    ]
    findings += [Finding("legal_basis", text.split(":")[0], text) for text in unenforced()]
    findings += _consent_without_purpose()
    return findings


def _declarations() -> list[tuple[str, str, datamap.LegalBasis]]:
    fields = [(f.key, f.purpose, f.legal_basis) for f in datamap.PERSONAL_FIELDS]
    stored = [*datamap.PERSONAL_OBJECTS, datamap.server_log(1)]
    objects = [(o.kind, o.purpose, o.legal_basis) for o in stored]
    return fields + objects


def _consent_without_purpose() -> list[Finding]:
    """Consent-based processing must be one the consent ledger asks about."""
    try:
        from hearthwatch.privacy.consent import service as consent
    except ImportError:  # an installation without the consent ledger asks for no consent
        return []
    known = {p.title for p in consent.purposes()} | {p.key for p in consent.purposes()}
    return [
        Finding("legal_basis", name, "consent-based, but no consent purpose covers it")
        for name, purpose, basis in _declarations()
        if basis == datamap.LegalBasis.CONSENT and purpose not in known
    ]


def unlawful_uses(db: Session) -> list[Finding]:
    """Consent-based uses that happened without consent, after a withdrawal or under a limit."""
    return [
        Finding("legal_basis", f"audit_log.{found.use.action}", found.message, found.count,
                _iso(found.oldest), found.code, found.examples)
        for found in consent_check.unlawful_uses(db)
    ]  # fmt: skip


def stale_notice(settings: Settings, db: Session, now: datetime) -> list[Finding]:
    """The newest published notice, when it is not what the data map generates now."""
    newest = notice.latest(db)
    document = notice_content.generate(settings)
    if newest is None or newest.digest == notice_content.digest(document):
        return []
    agreed = notice.in_force(db, now) or newest  # what publishing would compare with
    changes = notice_content.material_changes(notice.content_of(agreed), document)
    return [Finding(
        "notice", "privacy_notices",
        f"the published privacy notice (version {newest.number}) no longer matches the data "
        "map: publish it with `hearthwatch privacy notice publish` (the service also does at "
        "its next start); a material change is announced and applies only after the notice "
        "period", code="notice.out_of_date",
        examples=tuple(changes) or ("wording and details only: nothing that needs agreement",),
    )]  # fmt: skip
