"""The tamper-evident audit log: every request step, consent change and access to someone
else's personal data, hash-chained and append-only (issue 4 item 17).

Entries are kept for the retention the data map gives them (6 years). `prune` then cuts
the oldest off at a checkpoint, which holds the last removed entry's number and hash: the
chain still verifies from there, and the cut is itself an entry of the chain. The database
refuses any other DELETE (see the guard on `AuditEntry`).

Entries never hold more than needed to prove what happened: ids, action names and small
details, never e-mail addresses, names or pictures (pass masked values if any). Call
`record` as the last step of the work it describes, inside the same transaction: the entry
is kept exactly when the work is.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from hearthwatch.privacy.audit.models import AuditCheckpoint, AuditEntry, AuditHead
from hearthwatch.privacy.audit.receipts import canonical_json

GENESIS = "0" * 64
EXPECTED_HEAD_MISSING = "the expected head hash is not in the log: it was rewritten"
HEAD_ID = 1
SYSTEM = "system"
PRUNED = "audit.pruned"


def actor_user(user_id: str) -> str:
    return f"user:{user_id}"


def actor_operator(name: str) -> str:
    return f"operator:{name}"


def record(
    db: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry; returns it (flushed, with its number and hash)."""
    head = _lock_head(db)
    seq = head.seq + 1
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=actor,
        subject_id=subject_id,
        action=action,
        details=json.dumps(details or {}, sort_keys=True, separators=(",", ":")),
        prev_hash=head.hash,
    )
    entry.hash = entry_hash(entry)
    db.add(entry)
    db.flush()
    db.execute(update(AuditHead).where(AuditHead.id == HEAD_ID).values(seq=seq, hash=entry.hash))
    return entry


@dataclass(frozen=True)
class _Head:
    seq: int
    hash: str


def _lock_head(db: Session) -> _Head:
    # A write first: it takes the lock that makes appenders wait for each other.
    locked = db.execute(
        update(AuditHead).where(AuditHead.id == HEAD_ID).values(seq=AuditHead.seq)
    ).rowcount  # type: ignore[attr-defined]
    if not locked:
        db.add(AuditHead(id=HEAD_ID, seq=0, hash=GENESIS))
        db.flush()
    row = db.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID)).one()
    return _Head(row.seq, row.hash)


def entry_hash(entry: AuditEntry) -> str:
    body = {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "subject_id": entry.subject_id,
        "action": entry.action,
        "details": entry.details,
    }
    return hashlib.sha256(entry.prev_hash.encode() + canonical_json(body)).hexdigest()


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    head_hash: str
    problems: tuple[str, ...]


def verify(db: Session, *, expect_head: str | None = None, batch: int = 5000) -> Verification:
    """Walk the whole chain: every hash, every link, no gap, and the head matching the end.

    The walk starts at the newest checkpoint when old entries were pruned, and the chain
    must hold the `audit.pruned` entry that names it. `expect_head` is a head hash noted
    earlier (published, printed on a receipt): the log must still contain it (or a
    checkpoint must, once it is past its retention), which catches even a rewrite of the
    whole tail.
    """
    problems: list[str] = []
    checkpoint = _newest_checkpoint(db)
    cut = _Head(checkpoint.seq, checkpoint.hash) if checkpoint else _Head(0, GENESIS)
    prev_hash, expected_seq = cut.hash, cut.seq + 1
    count, last_seq, named = 0, cut.seq, checkpoint is None
    seen_expected = expect_head is None or _is_checkpoint(db, expect_head)
    while True:
        rows = (
            db.execute(
                select(AuditEntry).where(AuditEntry.seq >= expected_seq).order_by(AuditEntry.seq)
                .limit(batch)
            )
            .scalars()
            .all()
        )  # fmt: skip
        for entry in rows:
            if entry.seq != expected_seq:
                problems.append(f"entries {expected_seq}..{entry.seq - 1} are missing")
            if entry.prev_hash != prev_hash:
                problems.append(f"entry {entry.seq} does not follow the entry before it")
            if entry_hash(entry) != entry.hash:
                problems.append(f"entry {entry.seq} was changed after it was written")
            if entry.hash == expect_head:
                seen_expected = True
            if entry.action == PRUNED:
                named = named or _names(entry, cut)
            prev_hash, expected_seq, last_seq = entry.hash, entry.seq + 1, entry.seq
            count += 1
        db.expunge_all()
        if len(rows) < batch:
            break
    head = db.get(AuditHead, HEAD_ID)
    if head is None and count:
        problems.append("the head record is missing")
    elif head is not None and (head.seq != last_seq or head.hash != prev_hash):
        problems.append(
            f"the log ends at entry {last_seq} but its head says {head.seq}: "
            "entries were removed from the end"
        )
    if not named:
        problems.append(
            f"entries up to {cut.seq} were removed, but no retention run of the log recorded it"
        )
    if not seen_expected:
        problems.append("the expected head hash is not in the log: it was rewritten")
    return Verification(not problems, count, prev_hash, tuple(problems))


def prune(db: Session, *, before: datetime, now: datetime) -> int:
    """Remove the entries written before `before` (the end of their retention); returns how
    many went. The cut falls after the last entry such that it and every entry before it
    are old enough. The checkpoint is written first (the database lets only the entries it
    covers be deleted), then the entries go, then an `audit.pruned` entry records the cut."""
    checkpoint = _newest_checkpoint(db)
    done = checkpoint.seq if checkpoint else 0
    first_young = db.scalar(select(func.min(AuditEntry.seq)).where(AuditEntry.at >= before))
    newest = db.scalar(select(func.max(AuditEntry.seq)))
    upto = (first_young - 1) if first_young is not None else newest
    if upto is None or upto <= done:
        return 0
    last = db.execute(select(AuditEntry.hash, AuditEntry.at).where(AuditEntry.seq == upto)).one()
    removed = int(db.scalar(select(func.count()).where(AuditEntry.seq <= upto)) or 0)
    db.add(AuditCheckpoint(seq=upto, hash=last.hash, last_at=last.at, made_at=now, removed=removed))
    db.flush()
    db.execute(delete(AuditEntry).where(AuditEntry.seq <= upto))
    details = {"upto_seq": upto, "upto_hash": last.hash, "removed": removed}
    record(db, at=now, actor=SYSTEM, action=PRUNED, details=details)
    return removed


def _newest_checkpoint(db: Session) -> AuditCheckpoint | None:
    query = select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1)
    return db.scalars(query).first()


def _is_checkpoint(db: Session, hash_: str | None) -> bool:
    query = select(AuditCheckpoint.seq).where(AuditCheckpoint.hash == hash_).limit(1)
    return db.scalar(query) is not None


def _names(entry: AuditEntry, cut: _Head) -> bool:
    details = json.loads(entry.details)
    return bool(details.get("upto_seq") == cut.seq and details.get("upto_hash") == cut.hash)


def entries_about(db: Session, subject_id: str) -> list[AuditEntry]:
    """What the log says about one person (for their access request)."""
    return list(
        db.execute(
            select(AuditEntry).where(AuditEntry.subject_id == subject_id).order_by(AuditEntry.seq)
        ).scalars()
    )
