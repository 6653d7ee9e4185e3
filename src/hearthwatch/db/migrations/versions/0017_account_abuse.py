"""reviewed minor reports

A report that an account belongs to a child under 16 no longer restricts it at once: it
waits in `child_reports` for an operator's review, with the holder's answer (privacy/
minors_report.py). Sign-in throttling by account and client address is kept in memory
(security/throttle.py `BackOff`) and the export download is claimed with a conditional
UPDATE of `data_exports.state`: neither needs a schema change.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hearthwatch.db.base

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "child_reports",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reported_at", hearthwatch.db.base.UTCDateTime(), nullable=False),
        sa.Column("answer", sa.String(length=2000), nullable=True),
        sa.Column("answered_at", hearthwatch.db.base.UTCDateTime(), nullable=True),
        sa.Column("decided_at", hearthwatch.db.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_child_reports_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_reports")),
    )  # fmt: skip
    with op.batch_alter_table("child_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_child_reports_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("child_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_child_reports_user_id"))
    op.drop_table("child_reports")
