"""Issue 13 item 1: background work goes through the one job system, never a router.

Exports are built and erasures' files deleted by queued jobs; no router (or the app) starts
background work in its lifespan, so N API workers do not start N sweepers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.routing import _DefaultLifespan
from fastapi.testclient import TestClient
from sqlalchemy import select

from hearthwatch import app as app_module
from hearthwatch.accounts.models import User
from hearthwatch.app import create_app
from hearthwatch.context import AppContext
from hearthwatch.jobs import catalog
from hearthwatch.jobs.models import DONE, QUEUED, QueuedJob
from hearthwatch.jobs.runner import Runner
from hearthwatch.privacy.erasure import service as erasure
from hearthwatch.privacy.export import service as export
from hearthwatch.privacy.export.api import start_export
from hearthwatch.privacy.export.models import DataExport
from tests.conftest import STRONG_PASSWORD
from tests.factories import RECORDED_AT_US as T0
from tests.factories import add_recorded_camera
from tests.media.conftest import wait_for
from tests.privacy.export.test_export import wait_ready


def lifespans(context: Any) -> list[Any]:
    """The lifespans an app's merged lifespan is made of (FastAPI nests them in closures)."""
    inner = getattr(context, "__wrapped__", context)
    cells = [c.cell_contents for c in getattr(inner, "__closure__", None) or ()]
    nested = [c for c in cells if callable(c) or isinstance(c, _DefaultLifespan)]
    if not nested:
        return [inner]
    return [leaf for c in nested for leaf in lifespans(c)]


def test_issue13_item1_no_router_lifespan_starts_background_work(ctx: AppContext) -> None:
    app = create_app(ctx)
    leaves = lifespans(app.router.lifespan_context)
    own = [leaf for leaf in leaves if not isinstance(leaf, _DefaultLifespan)]
    assert own == [app_module.lifespan.__wrapped__]  # type: ignore[attr-defined]
    assert len(leaves) > 1  # the routers' were looked at too: all default (none of their own)
    assert not app.router.on_startup


def test_issue13_item1_serving_the_app_starts_no_runner(ctx: AppContext) -> None:
    def job_threads() -> set[str]:
        return {t.name for t in threading.enumerate() if t.name.startswith(("jobs-", "sched"))}

    before = job_threads()
    with TestClient(create_app(ctx)) as client:
        assert client.get("/api/v1/health").status_code == 200
        assert job_threads() == before


def jobs_of(ctx: AppContext, kind: str) -> list[QueuedJob]:
    with ctx.db.session() as db:
        rows = list(db.scalars(select(QueuedJob).where(QueuedJob.kind == kind)))
        for row in rows:
            db.expunge(row)
        return rows


def done_job(ctx: AppContext, kind: str) -> QueuedJob | None:
    """The one job of `kind`, once it is done."""
    (queued,) = jobs_of(ctx, kind)
    return queued if queued.state == DONE else None


def test_issue13_item1_an_export_is_built_by_a_queued_job(
    client: TestClient, ctx: AppContext, alice: User, app: FastAPI
) -> None:
    add_recorded_camera(ctx, alice.id, "Porch", [(T0, 1)])
    started = client.post("/api/v1/privacy/exports", json={"password": STRONG_PASSWORD})
    assert started.status_code == 202, started.text
    job = wait_ready(client)  # built by the fixture's runner, beside the app
    # The build marks the export ready; the runner then records the job's outcome.
    queued = wait_for(lambda: done_job(ctx, catalog.EXPORT_BUILD.name), timeout=10)
    assert queued.user_id == alice.id
    assert queued.payload == f'{{"export_id": "{job["id"]}"}}'  # ids only


def test_issue13_item1_an_erasures_files_go_through_the_queue(
    client: TestClient, ctx: AppContext, alice: User
) -> None:
    camera_id = add_recorded_camera(ctx, alice.id, "Porch", [(T0, 2)]).camera_id
    assert list(ctx.vault.blobs.keys(f"{alice.id}/"))
    body = {"scope": "device", "camera_id": camera_id, "unbind": False}
    assert client.post("/api/v1/privacy/erasure", json=body).status_code == 200
    (queued,) = jobs_of(ctx, catalog.ERASURE_RUN.name)
    assert queued.state == DONE and queued.user_id is None  # run by the request at once
    assert erasure.pending_jobs(ctx) == []
    assert list(ctx.vault.blobs.keys(f"{alice.id}/")) == []


def test_issue13_item1_an_account_erasure_drops_the_persons_pending_jobs(
    ctx: AppContext, make_user: Callable[..., User]
) -> None:
    user = make_user("erin@example.org")
    with ctx.clock.frozen(datetime.now(UTC)), ctx.db.session() as db:
        person = db.get(User, user.id)
        assert person is not None
        export_id = start_export(ctx, db, person, STRONG_PASSWORD).id
        assert [j.state for j in jobs_of(ctx, catalog.EXPORT_BUILD.name)] == [QUEUED]
        erasure.erase_account_data(ctx, db, user=person)
    assert jobs_of(ctx, catalog.EXPORT_BUILD.name) == []  # gone with the account
    (finishing,) = jobs_of(ctx, catalog.ERASURE_RUN.name)  # the erasure's own job stays
    assert finishing.state == QUEUED
    with ctx.clock.frozen(datetime.now(UTC) + timedelta(minutes=2)):
        assert len(Runner(ctx, periodic=(), kinds=catalog.registry()).run_pending()) == 1
    assert not export.archive_path(ctx, export_id).exists()
    assert erasure.pending_jobs(ctx) == []


def test_issue13_item1_an_export_whose_build_job_gave_up_is_failed_by_the_sweep(
    ctx: AppContext, make_user: Callable[..., User]
) -> None:
    user = make_user("fay@example.org")
    with ctx.db.session() as db:
        person = db.get(User, user.id)
        assert person is not None
        export_id = start_export(ctx, db, person, STRONG_PASSWORD).id
    export.sweep(ctx)
    with ctx.db.session() as db:
        assert db.get(DataExport, export_id).state == "queued"  # type: ignore[union-attr]
        db.execute(QueuedJob.__table__.update().values(state="failed", dedupe_key=None))
    export.sweep(ctx)
    with ctx.db.session() as db:
        failed = db.get(DataExport, export_id)
        assert failed is not None and failed.error_code == "privacy.export_interrupted"
