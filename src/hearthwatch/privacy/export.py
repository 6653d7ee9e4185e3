""" "Download my data" (P17, P23): request, build in the background, download once, expire.

Starting an export needs the password typed again (a fresh re-authentication, as for a
password change): the archive holds everything, video included. The build runs in a
thread of the serving process and writes `exports/<id>.zip` (owner-only) in the data
directory; progress is kept on the job row. A ready archive is offered through a link
whose token is an HMAC over the job, its owner and its expiry, and the caller must also be
signed in as that owner. The file is deleted as soon as one download completes, or by the
sweeper once the link expires. Each step is written to the audit log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.accounts.signin import count_password_failure, ensure_not_locked
from hearthwatch.context import AppContext
from hearthwatch.errors import Conflict, HearthwatchError, NotAuthenticated, NotFound
from hearthwatch.privacy import audit
from hearthwatch.privacy.export_archive import ArchiveWriter, Progress
from hearthwatch.privacy.export_models import (
    ACTIVE_STATES,
    BUILDING,
    DOWNLOADED,
    EXPIRED,
    FAILED,
    QUEUED,
    READY,
    DataExport,
)
from hearthwatch.security.secrets import same

log = logging.getLogger("hearthwatch.privacy.export")

PROGRESS_EVERY_S = 0.5
_running: set[str] = set()
_running_lock = threading.Lock()


class Gone(HearthwatchError):
    status = 410
    code = "privacy.export_expired"


class _Cancelled(Exception):
    """The job was deleted while its archive was being written."""


def exports_dir(ctx: AppContext) -> Path:
    folder = ctx.settings.data_dir / "exports"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def archive_path(ctx: AppContext, export_id: str) -> Path:
    return exports_dir(ctx) / f"{export_id}.zip"


# --- requesting and listing ---


def request_export(ctx: AppContext, db: Session, *, user: User, password: str) -> DataExport:
    """Queue a new export after checking the password; one export at a time per person."""
    now = ctx.clock.now()
    ensure_not_locked(user, now)
    if not ctx.passwords.verify(user.password_hash, password):
        count_password_failure(ctx, user, now)  # guessing here counts towards the lock-out
        raise NotAuthenticated(
            "The password is wrong. Enter your current password to export your data.",
            code="privacy.reauth_failed",
        )
    active = db.scalar(
        select(DataExport.id).where(
            DataExport.user_id == user.id, DataExport.state.in_(ACTIVE_STATES)
        )
    )
    if active is not None:
        raise Conflict("An export is already being prepared.", code="privacy.export_in_progress")
    job = DataExport(user_id=user.id, state=QUEUED, requested_at=now)
    db.add(job)
    db.flush()
    with _running_lock:  # claimed now, so a sweep at start-up cannot take it for a stale job
        _running.add(job.id)
    _audit(db, ctx, job, "privacy.export_requested")
    return job


def list_exports(ctx: AppContext, db: Session, *, user: User) -> list[DataExport]:
    """The person's exports, newest first; expired links are swept on the way."""
    jobs = list(
        db.scalars(
            select(DataExport)
            .where(DataExport.user_id == user.id)
            .order_by(DataExport.requested_at.desc())
            .limit(20)
        )
    )
    for job in jobs:
        _expire_if_due(ctx, db, job)
    return jobs


def get_export(ctx: AppContext, db: Session, *, user: User, export_id: str) -> DataExport:
    """The person's own export; anyone else's is "not found", never "forbidden"."""
    job = db.get(DataExport, export_id)
    if job is None or job.user_id != user.id:
        raise NotFound("No such export.", code="privacy.export_not_found")
    _expire_if_due(ctx, db, job)
    return job


def delete_export(ctx: AppContext, db: Session, *, user: User, export_id: str) -> None:
    """Remove an export and its file; a build in progress stops at its next step."""
    job = get_export(ctx, db, user=user, export_id=export_id)
    archive_path(ctx, job.id).unlink(missing_ok=True)
    _audit(db, ctx, job, "privacy.export_deleted", state=job.state)
    db.delete(job)


# --- the download link ---


def download_token(ctx: AppContext, job: DataExport) -> str | None:
    """The link token of a ready export: bound to the job, its owner and its expiry."""
    if job.state != READY or job.expires_at is None:
        return None
    message = f"{job.id}:{job.user_id}:{int(job.expires_at.timestamp())}".encode()
    digest = hmac.new(ctx.keyring.derive("privacy-export-link"), message, hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


@dataclass(frozen=True)
class Download:
    export_id: str
    user_id: str
    path: Path
    size: int
    filename: str


def open_download(
    ctx: AppContext, db: Session, *, user: User, export_id: str, token: str
) -> Download:
    """Check the link and hand back the file to stream; `finish_download` after the last byte."""
    job = get_export(ctx, db, user=user, export_id=export_id)
    if job.state in (EXPIRED, DOWNLOADED):
        raise Gone(
            "This download link has expired or was already used. Request a new export.",
            code="privacy.export_expired" if job.state == EXPIRED else "privacy.export_downloaded",
        )
    expected = download_token(ctx, job)
    if expected is None:
        raise Conflict("The export is not ready yet.", code="privacy.export_not_ready")
    if not same(expected, token):
        raise NotFound("No such export.", code="privacy.export_not_found")
    path = archive_path(ctx, job.id)
    stamp = job.requested_at.strftime("%Y-%m-%d")
    return Download(job.id, user.id, path, path.stat().st_size, f"hearthwatch-data-{stamp}.zip")


def finish_download(ctx: AppContext, *, export_id: str, user_id: str) -> None:
    """The whole file was sent: delete it and mark the export used."""
    archive_path(ctx, export_id).unlink(missing_ok=True)
    with ctx.db.session() as db:
        job = db.get(DataExport, export_id)
        if job is None or job.user_id != user_id or job.state != READY:
            return
        job.state, job.finished_at = DOWNLOADED, ctx.clock.now()
        _audit(db, ctx, job, "privacy.export_downloaded")


# --- building ---


def start_build(ctx: AppContext, export_id: str) -> threading.Thread:
    """Build the archive in a background thread (start it once the job row is committed)."""
    with _running_lock:
        _running.add(export_id)
    thread = threading.Thread(
        target=build, args=(ctx, export_id), name=f"export-{export_id[:8]}", daemon=True
    )
    thread.start()
    return thread


def build(ctx: AppContext, export_id: str) -> None:
    """Write the archive, then mark the job ready (or failed); never raises."""
    partial = archive_path(ctx, export_id).with_suffix(".part")
    try:
        user_id = _mark(ctx, export_id, BUILDING)
        writer = ArchiveWriter(ctx, user_id=user_id, report=_reporter(ctx, export_id))
        with _owner_only(partial):
            writer.write(partial)
        os.replace(partial, archive_path(ctx, export_id))
        _mark_ready(ctx, export_id)
    except _Cancelled:
        partial.unlink(missing_ok=True)
    except Exception:
        log.exception("export %s failed", export_id)
        partial.unlink(missing_ok=True)
        _mark_failed(ctx, export_id, "privacy.export_failed")
    finally:
        with _running_lock:
            _running.discard(export_id)


class _owner_only:  # noqa: N801  (used as a context manager, reads like one)
    """Create the file with mode 0600 before the ZIP writer opens it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> None:
        os.close(os.open(self.path, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600))

    def __exit__(self, *exc: object) -> None:
        return None


def _mark(ctx: AppContext, export_id: str, state: str) -> str:
    with ctx.db.session() as db:
        job = db.get(DataExport, export_id)
        if job is None or job.state not in ACTIVE_STATES:
            raise _Cancelled
        job.state = state
        return job.user_id


def _reporter(ctx: AppContext, export_id: str) -> Callable[[Progress], None]:
    last = 0.0

    def report(progress: Progress) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < PROGRESS_EVERY_S and progress.objects_done < progress.objects_total:
            return
        last = now
        with ctx.db.session() as db:
            job = db.get(DataExport, export_id)
            if job is None or job.state != BUILDING:
                raise _Cancelled
            job.objects_done, job.objects_total = progress.objects_done, progress.objects_total
            job.bytes_done, job.bytes_total = progress.bytes_done, progress.bytes_total

    return report


def _mark_ready(ctx: AppContext, export_id: str) -> None:
    path = archive_path(ctx, export_id)
    with ctx.db.session() as db:
        job = db.get(DataExport, export_id)
        if job is None or job.state != BUILDING:
            path.unlink(missing_ok=True)
            return
        now = ctx.clock.now()
        job.state, job.ready_at, job.size_bytes = READY, now, path.stat().st_size
        job.expires_at = now + timedelta(hours=ctx.settings.export_link_hours)
        job.objects_done, job.bytes_done = job.objects_total, job.bytes_total
        _audit(db, ctx, job, "privacy.export_ready", size_bytes=job.size_bytes)


def _mark_failed(ctx: AppContext, export_id: str, code: str) -> None:
    with ctx.db.session() as db:
        job = db.get(DataExport, export_id)
        if job is None or job.state not in ACTIVE_STATES:
            return
        job.state, job.error_code, job.finished_at = FAILED, code, ctx.clock.now()
        _audit(db, ctx, job, "privacy.export_failed", error_code=code)


# --- expiry ---


def _expire_if_due(ctx: AppContext, db: Session, job: DataExport) -> None:
    now = ctx.clock.now()
    if job.state == READY and job.expires_at is not None and job.expires_at <= now:
        archive_path(ctx, job.id).unlink(missing_ok=True)
        job.state, job.finished_at = EXPIRED, now
        _audit(db, ctx, job, "privacy.export_expired", actor=audit.SYSTEM)


def sweep(ctx: AppContext, *, at_start: bool = False) -> int:
    """Expire due links and delete their files; delete files no job owns any more.

    `at_start`: jobs still queued or building belong to a process that stopped; they are
    marked failed (the person can ask again). Returns the number of files deleted.
    """
    with ctx.db.session() as db:
        for job in db.scalars(select(DataExport).where(DataExport.state == READY)):
            _expire_if_due(ctx, db, job)
        if at_start:
            _fail_interrupted(ctx, db)
        keep = set(
            db.scalars(select(DataExport.id).where(DataExport.state.in_((READY, *ACTIVE_STATES))))
        )
    with _running_lock:
        keep |= _running
    return _delete_orphans(ctx, keep)


def _fail_interrupted(ctx: AppContext, db: Session) -> None:
    with _running_lock:
        running = set(_running)
    stale = select(DataExport).where(DataExport.state.in_(ACTIVE_STATES))
    for job in db.scalars(stale):
        if job.id not in running:
            job.state, job.error_code = FAILED, "privacy.export_interrupted"
            job.finished_at = ctx.clock.now()
            _audit(
                db, ctx, job, "privacy.export_failed", actor=audit.SYSTEM, error_code=job.error_code
            )


def _delete_orphans(ctx: AppContext, keep: set[str]) -> int:
    folder = ctx.settings.data_dir / "exports"
    if not folder.is_dir():
        return 0  # nothing was ever exported here: leave the data directory as it is
    deleted = 0
    for path in folder.iterdir():
        if path.name.split(".")[0] not in keep:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


class Sweeper:
    """Runs `sweep` at start and every `export_sweep_minutes` until stopped."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="export-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        at_start = True
        while not self._stop.is_set():
            try:
                sweep(self.ctx, at_start=at_start)
            except Exception:  # a failed sweep is retried at the next interval
                log.exception("export sweep failed")
            at_start = False
            self._stop.wait(self.ctx.settings.export_sweep_minutes * 60)


def _audit(
    db: Session,
    ctx: AppContext,
    job: DataExport,
    action: str,
    *,
    actor: str | None = None,
    **details: object,
) -> None:
    audit.record(
        db,
        at=ctx.clock.now(),
        actor=actor or audit.actor_user(job.user_id),
        action=action,
        subject_id=job.user_id,
        details={"export_id": job.id, **details},
    )
