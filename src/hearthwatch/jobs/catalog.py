"""Every piece of background work the product does, declared once.

Handlers import their domain lazily: this module is imported by whoever enqueues (an API
route, a service) and must not pull every domain in with it.
"""

from __future__ import annotations

from datetime import timedelta

from hearthwatch.context import AppContext
from hearthwatch.jobs.registry import Job, JobKind, Payload
from hearthwatch.settings import Settings

KEEP_DONE = timedelta(days=7)
KEEP_FAILED = timedelta(days=30)  # long enough for an operator to look at what failed


# --- periodic ---


def _privacy_retention(ctx: AppContext) -> object:
    from hearthwatch.privacy.retention import service as retention

    return retention.sweep(ctx)


def _privacy_minors(ctx: AppContext) -> object:
    from hearthwatch.privacy.minors import service as minors

    return minors.sweep(ctx)


def _request_reminders(ctx: AppContext) -> object:
    from hearthwatch.privacy.requests import service as requests

    with ctx.db.session() as db:
        return len(requests.remind(ctx, db))


def _export_sweep(ctx: AppContext) -> object:
    from hearthwatch.privacy.export import service as export

    return export.sweep(ctx)


def _purge_jobs(ctx: AppContext) -> object:
    from hearthwatch.jobs import queue

    return queue.purge(ctx, done_after=KEEP_DONE, failed_after=KEEP_FAILED)


EXPORT_SWEEP = "privacy.export_sweep"
SWEEP_MINUTES = Settings.model_fields["export_sweep_minutes"].default


def periodic_jobs(settings: Settings | None = None) -> tuple[Job, ...]:
    """The periodic jobs, at the intervals `settings` choose (their defaults without)."""
    sweep_minutes = SWEEP_MINUTES if settings is None else settings.export_sweep_minutes
    return (
        Job("privacy.retention", timedelta(hours=1), _privacy_retention),
        # Children's accounts whose guardian did not consent in time (P4): deleted promptly.
        Job("privacy.minors", timedelta(minutes=15), _privacy_minors),
        # Rights requests due within the reminder window or overdue: the operator is mailed (at
        # most once a day per request, so an hourly run only catches new ones sooner).
        Job("privacy.request_reminders", timedelta(hours=1), _request_reminders),
        # Expired export links (their archives deleted), orphan files, and exports whose
        # build job ended without finishing them.
        Job(EXPORT_SWEEP, timedelta(minutes=sweep_minutes), _export_sweep),
        Job("jobs.purge", timedelta(hours=6), _purge_jobs),
    )


# --- queued ---


def _build_export(ctx: AppContext, payload: Payload) -> object:
    from hearthwatch.privacy.export import build

    build.build(ctx, str(payload["export_id"]))
    return None


def _finish_erasure(ctx: AppContext, payload: Payload) -> object:
    from hearthwatch.privacy.erasure import service as erasure

    return erasure.delete_erased_objects(ctx, str(payload["erasure_job_id"]))


# A build writes everything the person has (video included): its lease is renewed while it
# runs; a build whose runner died is started again from the beginning.
EXPORT_BUILD = JobKind("export.build", _build_export, max_attempts=3)
# The files of an erasure (its rows and keys went in the request): tried until they are gone.
ERASURE_RUN = JobKind("erasure.run", _finish_erasure, max_attempts=10, backoff=timedelta(minutes=1))

QUEUED_KINDS: tuple[JobKind, ...] = (EXPORT_BUILD, ERASURE_RUN)


def export_build_key(export_id: str) -> str:
    """The dedupe key of an export's build job: one live build per export."""
    return f"{EXPORT_BUILD.name}:{export_id}"


def erasure_run_key(erasure_job_id: str) -> str:
    """The dedupe key of the job deleting an erasure's files (migration 0021 writes it too)."""
    return f"{ERASURE_RUN.name}:{erasure_job_id}"
