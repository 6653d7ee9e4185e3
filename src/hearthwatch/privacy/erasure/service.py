"""Erasure (P19, P20): recordings, a device's data, or the whole account.

Order of work, the same for every scope:

1. For a device or an account, destroy its data keys first (crypto-shredding): from that
   moment every sealed copy of its video, in backups, replicas and caches too, is
   unreadable. A recording range or one segment shares its camera's key with recordings
   that stay, so those are removed physically only: a backup made before such an erasure
   still holds them until it is replaced by a newer one (P20's "once next updated").
2. In one transaction: delete the index and personal rows (the tables come from the data
   map, see `erasure_plan`), record the blob objects still to delete as an `ErasureJob`,
   sign the receipt, keep it, and append the audit entry.
3. The same transaction queues an `erasure.run` job (jobs/). After the commit, `run_job`
   claims it and deletes the objects, empties the database's write-ahead file (where the
   deleted rows' old pages live on until a checkpoint; SQLite zeroes them in the file
   itself, `secure_delete`), and then deletes the job row. A job left by a crash or a busy
   database is finished by the node's job runner once its lease or grace has passed.
An account erasure also deletes the demo outbox's mails to or about the person.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import zip_longest
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hearthwatch.access.principal import owner
from hearthwatch.access.resolver import Action, Kind, authorize, listable, owned
from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.db.base import new_id
from hearthwatch.devices.models import Camera
from hearthwatch.errors import ValidationFailed
from hearthwatch.events.models import Event
from hearthwatch.jobs import queue
from hearthwatch.jobs.registry import JobKind, Payload, Registry
from hearthwatch.jobs.runner import run_now
from hearthwatch.mail.outbox_forget import forget_person
from hearthwatch.media.models import Segment
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.erasure.mail import receipt_mail
from hearthwatch.privacy.erasure.models import ErasureJob, ErasureReceipt
from hearthwatch.privacy.erasure.plan import object_prefixes, plan
from hearthwatch.privacy.export.models import DataExport
from hearthwatch.security.datakeys import DataKey, DataKeys
from hearthwatch.storage.blobs import BlobStore

log = logging.getLogger("hearthwatch.erasure")

RECEIPT_KIND = "erasure"
SCOPE_RANGE, SCOPE_SEGMENT, SCOPE_DEVICE, SCOPE_ACCOUNT = "range", "segment", "device", "account"
DELETE_BATCH = 500
DELETE_THREADS = 32  # deletion waits on the disk, not the CPU: many in flight at once


@dataclass
class Erased:
    """What one erasure removed; becomes the receipt's payload."""

    scope: str
    account_id: str
    camera_ids: list[str] = field(default_factory=list)
    time_range: dict[str, str] | None = None
    rows: dict[str, int] = field(default_factory=dict)
    objects: int = 0
    keys_destroyed: list[str] = field(default_factory=list)
    blob_keys: list[str] = field(default_factory=list)
    blob_prefixes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ErasureOutcome:
    receipt: dict[str, Any]
    job_id: str | None


def erase_range(
    ctx: AppContext, db: Session, *, user_id: str, camera_id: str, start_us: int, end_us: int
) -> ErasureOutcome:
    """Erase the recordings of one camera that overlap [start, end)."""
    authorize(db, user_id=user_id, camera_id=camera_id, action=Action.UNBIND)
    if end_us <= start_us:
        raise ValidationFailed("The end must come after the start.", code="erasure.range_invalid")
    segments = _segments(db, Segment.camera_id == camera_id, Segment.owner_id == user_id)
    doomed = [s for s in segments if s.start_us < end_us and s.end_us > start_us]
    erased = Erased(SCOPE_RANGE, user_id, [camera_id], _time_range(start_us, end_us))
    _drop_segments(db, doomed, erased)
    _drop_events(db, camera_id, start_us, end_us, erased)
    return _conclude(ctx, db, erased)


def erase_segment(ctx: AppContext, db: Session, *, user_id: str, segment_id: int) -> ErasureOutcome:
    """Erase one recorded segment of the user's."""
    segment = owned(db, Kind.RECORDING, segment_id, user_id=user_id, action=Action.CHANGE)
    erased = Erased(
        SCOPE_SEGMENT,
        user_id,
        [segment.camera_id],
        _time_range(segment.start_us, segment.end_us),
    )
    _drop_segments(db, [segment], erased)
    return _conclude(ctx, db, erased)


def erase_device(
    ctx: AppContext, db: Session, *, user_id: str, camera_id: str, unbind: bool
) -> ErasureOutcome:
    """Erase every recording of a camera (crypto-shredded at once); unbind it too if asked."""
    authorize(db, user_id=user_id, camera_id=camera_id, action=Action.UNBIND)
    erased = Erased(SCOPE_DEVICE, user_id, [camera_id])
    erased.keys_destroyed = _destroy_keys(ctx.vault.keys, user_id, camera_id)
    for table in plan():
        if table.about_cameras and (unbind or table.name != "cameras"):
            _delete_rows(db, table.name, table.for_camera(camera_id), erased)
    erased.objects = erased.rows.get("segments", 0)
    erased.blob_prefixes = object_prefixes(account_id=user_id, camera_id=camera_id)
    return _conclude(ctx, db, erased, extra={"unbound": unbind})


def erase_account_data(ctx: AppContext, db: Session, *, user: User) -> ErasureOutcome:
    """Erase the whole account (after `erasure_identity.check_identity`): keys first, then
    every personal row the data map lists; the receipt is mailed before the address goes."""
    user_id, email = user.id, user.email
    traces = [email, user.nickname or "", user.real_name or ""]
    erased = Erased(SCOPE_ACCOUNT, user_id)
    erased.keys_destroyed = _destroy_keys(ctx.vault.keys, user_id, None)
    erased.camera_ids = _camera_ids(db, user_id)
    tables = plan()
    erased.rows = {t.name: _count(db, t.name, t.for_account(user_id)) for t in tables}
    erased.objects = erased.rows.get("segments", 0)
    erased.blob_prefixes = object_prefixes(account_id=user_id)
    db.expunge(user)
    outcome = _conclude(ctx, db, erased)
    ctx.mailer.send(receipt_mail(email, outcome.receipt))
    forget_person(ctx.mailer, traces)
    _delete_export_archives(ctx, db, user_id)
    for table in tables:
        db.execute(delete(table.table).where(table.for_account(user_id)))
    return outcome


def _delete_export_archives(ctx: AppContext, db: Session, user_id: str) -> None:
    """The person's data-export archives are plain ZIP files: they go at once, built or
    half-built, rather than at the exports sweeper's next round."""
    # Imported here: the export module reaches sign-in, which reaches registration, which
    # (for minors) reaches this module.
    from hearthwatch.privacy.export.service import archive_path

    for export_id in db.scalars(select(DataExport.id).where(DataExport.user_id == user_id)):
        path = archive_path(ctx, export_id)
        path.unlink(missing_ok=True)
        path.with_suffix(".part").unlink(missing_ok=True)


def _camera_ids(db: Session, user_id: str) -> list[str]:
    owned = db.scalars(select(Camera.id).where(Camera.owner_id == user_id))
    recorded = db.scalars(select(Segment.camera_id).where(Segment.owner_id == user_id).distinct())
    return sorted(set(owned) | set(recorded))


def _segments(db: Session, *where: Any) -> list[Segment]:
    return list(db.scalars(select(Segment).where(*where).order_by(Segment.start_us)))


def _drop_segments(db: Session, segments: list[Segment], erased: Erased) -> None:
    ids = [s.id for s in segments]
    for start in range(0, len(ids), DELETE_BATCH):
        db.execute(delete(Segment).where(Segment.id.in_(ids[start : start + DELETE_BATCH])))
    erased.rows = {"segments": len(ids)}
    erased.objects = len(ids)
    erased.blob_keys = [s.blob_key for s in segments]


def _drop_events(db: Session, camera_id: str, start_us: int, end_us: int, erased: Erased) -> None:
    """The events of an erased range go with its recordings (issue 14): each says what
    happened then, and its thumbnail is a picture of it."""
    ends = func.coalesce(Event.end_us, Event.last_active_us)
    overlap = (Event.camera_id == camera_id, Event.start_us < end_us, ends >= start_us)
    events = list(db.scalars(select(Event).where(*overlap)))
    thumbnails = [e.thumbnail_key for e in events if e.thumbnail_key is not None]
    db.execute(delete(Event).where(Event.id.in_([e.id for e in events])))
    erased.rows["events"], erased.objects = len(events), erased.objects + len(thumbnails)
    erased.blob_keys = [*erased.blob_keys, *thumbnails]


def _delete_rows(db: Session, table_name: str, where: Any, erased: Erased) -> None:
    table = next(t for t in plan() if t.name == table_name).table
    result = db.execute(delete(table).where(where))
    erased.rows[table_name] = int(result.rowcount or 0)  # type: ignore[attr-defined]


def _count(db: Session, table_name: str, where: Any) -> int:
    table = next(t for t in plan() if t.name == table_name).table
    return int(db.scalar(select(func.count()).select_from(table).where(where)) or 0)


def _destroy_keys(keys: DataKeys, account_id: str, camera_id: str | None) -> list[str]:
    """Crypto-shred; returns the scopes (key ids) that existed and are now gone."""
    with keys.db.session() as session:
        query = select(DataKey.scope).where(DataKey.account_id == account_id)
        if camera_id is not None:
            query = query.where(DataKey.scope == DataKeys.scope(account_id, camera_id))
        scopes = sorted(session.scalars(query))
    if camera_id is None:
        keys.destroy_account(account_id)
    else:
        keys.destroy_device(account_id, camera_id)
    return scopes


def _time_range(start_us: int, end_us: int) -> dict[str, str]:
    return {"from": _iso(start_us), "to": _iso(end_us)}


def _iso(moment_us: int) -> str:
    return datetime.fromtimestamp(moment_us / 1_000_000, UTC).isoformat()


def _conclude(
    ctx: AppContext, db: Session, erased: Erased, extra: dict[str, Any] | None = None
) -> ErasureOutcome:
    """Queue the physical deletion, sign and keep the receipt, and log the step."""
    now = ctx.clock.now()
    job_id = _queue_job(db, erased, now) if erased.blob_keys or erased.blob_prefixes else None
    receipt = ctx.receipts.sign(RECEIPT_KIND, _payload(erased, now, extra))
    receipt_id = receipt["payload"]["receipt_id"]
    db.add(
        ErasureReceipt(
            id=receipt_id,
            owner_id=erased.account_id,
            scope=erased.scope,
            created_at=now,
            document=json.dumps(receipt, sort_keys=True),
        )
    )
    audit.record(
        db,
        at=now,
        actor=audit.actor_user(erased.account_id),
        action=f"erasure.{erased.scope}",
        subject_id=erased.account_id,
        details={
            "receipt_id": receipt_id,
            "camera_ids": erased.camera_ids,
            "rows": sum(erased.rows.values()),
            "objects": erased.objects,
            "keys_destroyed": len(erased.keys_destroyed),
        },
    )
    db.flush()
    return ErasureOutcome(receipt, job_id)


def _payload(erased: Erased, now: datetime, extra: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "receipt_id": new_id(),
        "scope": erased.scope,
        "account_id": erased.account_id,
        "camera_ids": erased.camera_ids,
        "time_range": erased.time_range,
        "rows": erased.rows,
        "objects": erased.objects,
        "keys_destroyed": erased.keys_destroyed,
        "erased_at": now.isoformat(),
        **(extra or {}),
    }


def _queue_job(db: Session, erased: Erased, now: datetime) -> str:
    """Record the objects to delete, and queue the job that deletes them (jobs/), in the
    erasure's transaction. The request runs it at once (`run_job`); the node's job runner
    takes it only if that did not happen within `RUN_GRACE` (the process stopped)."""
    job = ErasureJob(
        id=new_id(),
        owner_id=erased.account_id,
        scope=erased.scope,
        targets=json.dumps({"prefixes": erased.blob_prefixes, "keys": erased.blob_keys}),
        created_at=now,
    )
    db.add(job)
    _enqueue_run(db, job.id, now)
    return job.id


RUN_GRACE = timedelta(minutes=1)


def _enqueue_run(db: Session, job_id: str, now: datetime) -> None:
    # No `user_id` on the queued job: it must outlive the account it erases.
    payload = {"erasure_job_id": job_id}
    key = erasure_run_key(job_id)
    queue.enqueue(db, ERASURE_RUN, payload, now=now, run_after=now + RUN_GRACE, dedupe_key=key)


def run_job(ctx: AppContext, job_id: str) -> bool:
    """Delete an erasure's objects now, in this thread, through its queued job (claimed, so
    no runner does it at the same time); False when it was done already or is running
    elsewhere."""
    return run_now(ctx, erasure_run_key(job_id), kinds=Registry([ERASURE_RUN]))


def delete_erased_objects(ctx: AppContext, job_id: str) -> bool:
    """Delete a job's objects, then the job; False when it was already done (the handler
    of the queued `erasure.run` job)."""
    with ctx.db.session() as session:
        job = session.get(ErasureJob, job_id)
        if job is None:
            return False
        targets = json.loads(job.targets)
    if ctx.recorder is not None:
        ctx.recorder.sync()  # stop recording and live view of erased cameras now
    blobs = ctx.vault.blobs
    for prefix in targets.get("prefixes", []):
        delete_objects(blobs, list(blobs.keys(prefix)))
        blobs.delete_prefix(prefix)  # whatever was added meanwhile, and the empty folders
    delete_objects(blobs, targets.get("keys", []))
    ctx.db.scrub()
    with ctx.db.session() as session:
        session.execute(delete(ErasureJob).where(ErasureJob.id == job_id))
    return True


def delete_objects(blobs: BlobStore, keys: list[str]) -> None:
    """Delete objects from several threads at once, each batch from one folder.

    Removing files one after another is bound by the disk's latency (about 1 ms a file on
    a virtual disk, so 10 GB of recordings took minutes); parallel batches overlap those
    waits, and one folder per batch keeps the threads off each other's directory lock.
    The same holds for an object store, where each batch is one bulk-delete request.
    """
    folders: dict[str, list[str]] = {}
    for key in keys:
        folders.setdefault(key.rsplit("/", 1)[0], []).append(key)
    per_folder = [
        [names[start : start + DELETE_BATCH] for start in range(0, len(names), DELETE_BATCH)]
        for names in folders.values()
    ]
    # Interleave the folders, so that threads running side by side work in different ones.
    batches = [batch for turn in zip_longest(*per_folder) for batch in turn if batch]
    with ThreadPoolExecutor(DELETE_THREADS, thread_name_prefix="erasure-delete") as pool:
        list(pool.map(blobs.delete_many, batches))


def pending_jobs(ctx: AppContext) -> list[str]:
    with ctx.db.session() as session:
        return list(session.scalars(select(ErasureJob.id).order_by(ErasureJob.created_at)))


def resume_pending(ctx: AppContext) -> int:
    """Finish deletions a crash or restart interrupted; returns how many were finished.

    A deletion whose queued job gave up (failed) is queued again first."""
    done = 0
    for job_id in pending_jobs(ctx):
        with ctx.db.session() as session:
            _enqueue_run(session, job_id, ctx.clock.now())
        try:
            done += run_job(ctx, job_id)
        except Exception:  # one bad job must not keep the others waiting
            log.exception("erasure job failed", extra={"job": job_id})
    return done


def receipts_of(db: Session, *, user_id: str) -> list[dict[str, Any]]:
    """The user's erasure receipts, newest first."""
    rows = db.scalars(
        select(ErasureReceipt)
        .where(listable(Kind.ERASURE_RECEIPT, owner(user_id)))
        .order_by(ErasureReceipt.created_at.desc())
    )
    return [json.loads(row.document) for row in rows]


def receipt_of(db: Session, *, user_id: str, receipt_id: str) -> dict[str, Any]:
    row = owned(db, Kind.ERASURE_RECEIPT, receipt_id, user_id=user_id, action=Action.VIEW)
    document: dict[str, Any] = json.loads(row.document)
    return document


def _run_erasure_job(ctx: AppContext, payload: Payload) -> object:
    return delete_erased_objects(ctx, str(payload["erasure_job_id"]))


# The queued job deleting an erasure's files (its rows and keys went in the request): tried
# until they are gone. Listed among the node's jobs in jobs/catalog.py.
ERASURE_RUN = JobKind(
    "erasure.run", _run_erasure_job, max_attempts=10, backoff=timedelta(minutes=1)
)


def erasure_run_key(erasure_job_id: str) -> str:
    """The dedupe key of the job deleting an erasure's files (migration 0021 writes it too)."""
    return f"{ERASURE_RUN.name}:{erasure_job_id}"
