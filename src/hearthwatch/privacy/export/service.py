""" "Download my data" (P17, P23): request, build in the background, download once, expire.

Starting an export needs the password typed again (a fresh re-authentication, as for a
password change): the archive holds everything, video included. The build
(`export_build`) is a queued job (`export.build`, jobs/) that the node's job runner takes;
it writes `exports/<id>.zip` (owner-only) in the data directory; progress is kept on the
export's row. A ready archive is
offered through a link whose token is an HMAC over the job, its owner and its expiry, and
the caller must also be signed in as that owner. The file is deleted as soon as one
download is claimed, or by the sweeper once the link expires. Each step is written to the
audit log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hearthwatch.access.principal import owner
from hearthwatch.access.resolver import Action, Kind, listable, owned
from hearthwatch.accounts.models import User
from hearthwatch.accounts.signin import reauthenticate
from hearthwatch.context import AppContext
from hearthwatch.errors import Conflict, Gone, NotFound
from hearthwatch.jobs.queue import live_job
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.export.models import (
    ACTIVE_STATES,
    DOWNLOADED,
    EXPIRED,
    FAILED,
    QUEUED,
    READY,
    DataExport,
)
from hearthwatch.security.secrets import same

log = logging.getLogger("hearthwatch.privacy.export.service")


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
    reauthenticate(
        ctx, user, password, now=now,
        wrong="The password is wrong. Enter your current password to export your data.",
    )  # fmt: skip
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
    audit_step(db, ctx, job, "privacy.export_requested")
    return job


def list_exports(ctx: AppContext, db: Session, *, user: User) -> list[DataExport]:
    """The person's exports, newest first; expired links are swept on the way."""
    jobs = list(
        db.scalars(
            select(DataExport)
            .where(listable(Kind.EXPORT, owner(user.id)))
            .order_by(DataExport.requested_at.desc())
            .limit(20)
        )
    )
    for job in jobs:
        _expire_if_due(ctx, db, job)
    return jobs


def get_export(ctx: AppContext, db: Session, *, user: User, export_id: str) -> DataExport:
    """The person's own export; anyone else's is "not found", never "forbidden"."""
    job: DataExport = owned(db, Kind.EXPORT, export_id, user_id=user.id, action=Action.VIEW)
    _expire_if_due(ctx, db, job)
    return job


def delete_export(ctx: AppContext, db: Session, *, user: User, export_id: str) -> None:
    """Remove an export and its file; a build in progress stops at its next step."""
    job = get_export(ctx, db, user=user, export_id=export_id)
    archive_path(ctx, job.id).unlink(missing_ok=True)
    audit_step(db, ctx, job, "privacy.export_deleted", state=job.state)
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
    handle: BinaryIO
    size: int
    filename: str


def open_download(
    ctx: AppContext, db: Session, *, user: User, export_id: str, token: str
) -> Download:
    """Check the link, claim the one download and hand back the open file to stream.

    The claim is one conditional UPDATE (ready -> downloaded): of two parallel requests
    exactly one changes the row, the other is told the link was used. The file is opened
    before it is deleted, so the winner streams it whole even once it is gone from disk.
    """
    job = get_export(ctx, db, user=user, export_id=export_id)
    _refuse_if_used(job)
    expected = download_token(ctx, job)
    if expected is None:
        raise Conflict("The export is not ready yet.", code="privacy.export_not_ready")
    if not same(expected, token):
        raise NotFound("No such export.", code="privacy.export_not_found")
    path = archive_path(ctx, job.id)
    try:
        handle = path.open("rb")
    except FileNotFoundError as err:  # another request claimed it and deleted the file
        raise Gone(USED, code="privacy.export_downloaded") from err
    if not _claim(ctx, db, job):
        handle.close()
        raise Gone(USED, code="privacy.export_downloaded")
    size = os.fstat(handle.fileno()).st_size
    path.unlink(missing_ok=True)
    stamp = job.requested_at.strftime("%Y-%m-%d")
    return Download(job.id, user.id, handle, size, f"hearthwatch-data-{stamp}.zip")


USED = "This download link has expired or was already used. Request a new export."


def _refuse_if_used(job: DataExport) -> None:
    if job.state in (EXPIRED, DOWNLOADED):
        code = "privacy.export_expired" if job.state == EXPIRED else "privacy.export_downloaded"
        raise Gone(USED, code=code)


def _claim(ctx: AppContext, db: Session, job: DataExport) -> bool:
    """Mark the export downloaded if it still is ready; True for the one request that did."""
    now = ctx.clock.now()
    claimed = db.execute(
        update(DataExport)
        .where(DataExport.id == job.id, DataExport.state == READY)
        .values(state=DOWNLOADED, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    audit_step(db, ctx, job, "privacy.export_downloaded")
    db.commit()  # the claim holds before a byte is sent; a second request sees it at once
    return True


# --- expiry ---


def _expire_if_due(ctx: AppContext, db: Session, job: DataExport) -> None:
    now = ctx.clock.now()
    if job.state == READY and job.expires_at is not None and job.expires_at <= now:
        archive_path(ctx, job.id).unlink(missing_ok=True)
        job.state, job.finished_at = EXPIRED, now
        audit_step(db, ctx, job, "privacy.export_expired", actor=audit.SYSTEM)


def sweep(ctx: AppContext) -> int:
    """Expire due links and delete their files; delete files no job owns any more.

    Exports still queued or building without a live build job (its attempts used up, or
    it was never queued) are marked failed: the person can ask again. Returns the number of
    files deleted. The job runner runs this every `export_sweep_minutes`.
    """
    with ctx.db.session() as db:
        for job in db.scalars(select(DataExport).where(DataExport.state == READY)):
            _expire_if_due(ctx, db, job)
        _fail_interrupted(ctx, db)
        keep = set(
            db.scalars(select(DataExport.id).where(DataExport.state.in_((READY, *ACTIVE_STATES))))
        )
    return _delete_orphans(ctx, keep)


def _fail_interrupted(ctx: AppContext, db: Session) -> None:
    stale = select(DataExport).where(DataExport.state.in_(ACTIVE_STATES))
    for job in db.scalars(stale):
        if live_job(db, export_build_key(job.id)) is None:
            job.state, job.error_code = FAILED, "privacy.export_interrupted"
            job.finished_at = ctx.clock.now()
            audit_step(
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


def audit_step(
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


EXPORT_BUILD_NAME = "export.build"  # the queued job kind of a build (export/build.py)


def export_build_key(export_id: str) -> str:
    """The dedupe key of an export's build job: one live build per export."""
    return f"{EXPORT_BUILD_NAME}:{export_id}"
