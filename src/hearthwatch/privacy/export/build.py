"""Building an export's archive: the handler of the queued `export.build` job (jobs/).

The export's row is the only link between the request and the builder: the builder stops
when the row disappears or leaves the "building" state (the person deleted it). A runner
that dies mid-build loses the job's lease, and another runner builds the archive again from
the start; once the job's attempts are used up, the exports sweep marks the export failed.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from hearthwatch.context import AppContext
from hearthwatch.jobs.registry import JobKind, Payload
from hearthwatch.privacy.export.archive import ArchiveWriter, Progress
from hearthwatch.privacy.export.models import ACTIVE_STATES, BUILDING, FAILED, READY, DataExport
from hearthwatch.privacy.export.service import EXPORT_BUILD_NAME, archive_path, audit_step

log = logging.getLogger("hearthwatch.privacy.export.service")

PROGRESS_EVERY_S = 0.5


class _Cancelled(Exception):
    """The job was deleted while its archive was being written."""


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
        audit_step(db, ctx, job, "privacy.export_ready", size_bytes=job.size_bytes)


def _mark_failed(ctx: AppContext, export_id: str, code: str) -> None:
    with ctx.db.session() as db:
        job = db.get(DataExport, export_id)
        if job is None or job.state not in ACTIVE_STATES:
            return
        job.state, job.error_code, job.finished_at = FAILED, code, ctx.clock.now()
        audit_step(db, ctx, job, "privacy.export_failed", error_code=code)


def _run_build_job(ctx: AppContext, payload: Payload) -> object:
    build(ctx, str(payload["export_id"]))
    return None


# A build writes everything the person has (video included): its lease is renewed while it
# runs; a build whose runner died is started again from the beginning.
EXPORT_BUILD = JobKind(EXPORT_BUILD_NAME, _run_build_job, max_attempts=3)
