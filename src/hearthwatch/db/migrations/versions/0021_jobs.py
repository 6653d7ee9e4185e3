"""jobs: the durable queue of one-off background jobs

Issue 13 item 1: one job system for all background work (`hearthwatch/jobs/`). The
periodic jobs keep their table (`scheduled_jobs`, now beside this one in `jobs/models.py`);
physical deletions already pending (`erasure_jobs`) are queued here so a runner finishes
them as it finishes new ones.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import hearthwatch.db.base

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

ERASURE_KIND, ERASURE_ATTEMPTS = "erasure.run", 10  # as in jobs/catalog.py


def upgrade() -> None:
    when = hearthwatch.db.base.UTCDateTime
    jobs = op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("dedupe_key", sa.String(length=128), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", when(), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", when(), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("created_at", when(), nullable=False),
        sa.Column("finished_at", when(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_jobs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_jobs_dedupe_key")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_state_run_after", ["state", "run_after"], unique=False)
        batch_op.create_index(batch_op.f("ix_jobs_user_id"), ["user_id"], unique=False)
    _queue_pending_erasures(jobs)


def _queue_pending_erasures(jobs: sa.Table) -> None:
    erasure_jobs = sa.table("erasure_jobs", sa.column("id", sa.String))
    pending = op.get_bind().execute(sa.select(erasure_jobs.c.id)).scalars().all()
    now = datetime.now(UTC)
    rows = [
        {
            "id": erasure_id,  # an id of its own kind: no other job can hold it
            "kind": ERASURE_KIND,
            "payload": json.dumps({"erasure_job_id": erasure_id}),
            "dedupe_key": f"{ERASURE_KIND}:{erasure_id}",
            "state": "queued",
            "attempts": 0,
            "max_attempts": ERASURE_ATTEMPTS,
            "run_after": now,
            "created_at": now,
        }
        for erasure_id in pending
    ]
    if rows:
        op.bulk_insert(jobs, rows)


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_user_id"))
        batch_op.drop_index("ix_jobs_state_run_after")
    op.drop_table("jobs")
