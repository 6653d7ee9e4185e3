"""retention: account closure, the durable scheduler's job state, inactivity warnings

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hearthwatch.db.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = hearthwatch.db.base.UTCDateTime
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", when(), nullable=True))
    op.create_table(
        "scheduled_jobs",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("next_run_at", when(), nullable=False),
        sa.Column("last_run_at", when(), nullable=True),
        sa.Column("last_outcome", sa.String(length=16), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", when(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduled_jobs")),
    )
    op.create_table(
        "inactivity_warnings",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("warned_at", when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_inactivity_warnings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_inactivity_warnings")),
    )


def downgrade() -> None:
    op.drop_table("inactivity_warnings")
    op.drop_table("scheduled_jobs")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
