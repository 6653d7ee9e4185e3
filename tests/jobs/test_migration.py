"""Migration 0021 (the job queue): deletions already pending become queued jobs, so the
node's runner finishes them like new ones; the downgrade drops only the queue."""

from __future__ import annotations

import json

from sqlalchemy import text

from hearthwatch.context import AppContext
from hearthwatch.db.engine import make_engine
from hearthwatch.db.migrate import HEAD, current_revision, downgrade, upgrade
from hearthwatch.jobs.catalog import ERASURE_RUN, erasure_run_key
from hearthwatch.privacy.erasure import service as erasure


def test_issue13_item1_0021_queues_the_deletions_left_pending(ctx: AppContext) -> None:
    url = ctx.db.url
    ctx.db.dispose()
    downgrade(url, "0020")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO erasure_jobs (id, owner_id, scope, targets, created_at) "
                    "VALUES (:id, :owner, 'account', :targets, '2026-11-30 08:00:00')"
                ),
                {"id": "e" * 32, "owner": "a" * 32, "targets": '{"prefixes": [], "keys": []}'},
            )
        upgrade(url, "0021")
        with engine.connect() as connection:
            queued = connection.execute(
                text("SELECT kind, state, dedupe_key, payload FROM jobs")
            ).all()
            assert current_revision(engine) == "0021"
    finally:
        engine.dispose()
        upgrade(url, HEAD)  # later revisions back: a PostgreSQL database outlives the test
    payload = json.dumps({"erasure_job_id": "e" * 32})
    key = erasure_run_key("e" * 32)
    assert [tuple(row) for row in queued] == [(ERASURE_RUN.name, "queued", key, payload)]
    assert erasure.run_job(ctx, "e" * 32)  # the request path finds and runs it
    assert erasure.pending_jobs(ctx) == []
