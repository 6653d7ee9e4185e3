"""Every piece of background work the node runs, gathered once: the wiring above the domains.

A domain declares its queued job kinds beside their handlers (`privacy/export/build.py`,
`privacy/erasure/service.py`) and enqueues them itself; this module lists them, with the
periodic jobs, for the runner that the commands start (`server.py`). Only the commands and
tests import it (an import-linter contract): a domain importing it would go round in a
circle through the others' handlers.
"""

from __future__ import annotations

from datetime import timedelta

from hearthwatch.context import AppContext
from hearthwatch.homes.schedule import ARMING_SCHEDULE_JOB
from hearthwatch.jobs.registry import Job, JobKind, Registry
from hearthwatch.notify.delivery import NOTIFY_DELIVER
from hearthwatch.privacy.erasure.service import ERASURE_RUN, erasure_run_key
from hearthwatch.privacy.export.build import EXPORT_BUILD
from hearthwatch.privacy.export.service import export_build_key
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
        # Arming schedules (issue 14): each home switches mode at its entries' local times.
        ARMING_SCHEDULE_JOB,
    )


# --- queued ---


# Each kind is declared beside its handler, in its domain; the node runs these.
QUEUED_KINDS: tuple[JobKind, ...] = (EXPORT_BUILD, ERASURE_RUN, NOTIFY_DELIVER)


def registry() -> Registry:
    """The handlers of every queued job kind, for the node's runner."""
    return Registry(QUEUED_KINDS)


__all__ = [
    "ERASURE_RUN",
    "EXPORT_BUILD",
    "EXPORT_SWEEP",
    "QUEUED_KINDS",
    "erasure_run_key",
    "export_build_key",
    "periodic_jobs",
    "registry",
]
