"""The tamper-evident audit log: every request step, consent change and access to someone
else's personal data, hash-chained and append-only (issue 4 item 17).

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

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hearthwatch.privacy.models import AuditEntry, AuditHead
from hearthwatch.privacy.receipts import canonical_json

GENESIS = "0" * 64
HEAD_ID = 1
SYSTEM = "system"


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

    `expect_head` is a head hash noted earlier (published, printed on a receipt): the log
    must still contain it, which catches even a rewrite of the whole tail.
    """
    problems: list[str] = []
    prev_hash, expected_seq, count, seen_expected = GENESIS, 1, 0, expect_head is None
    last_seq = 0
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
    if not seen_expected:
        problems.append("the expected head hash is not in the log: it was rewritten")
    return Verification(not problems, count, prev_hash, tuple(problems))


def entries_about(db: Session, subject_id: str) -> list[AuditEntry]:
    """What the log says about one person (for their access request)."""
    return list(
        db.execute(
            select(AuditEntry).where(AuditEntry.subject_id == subject_id).order_by(AuditEntry.seq)
        ).scalars()
    )
