"""restrictions and objections: limits a person puts on processing (P21, P22)

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hearthwatch.db.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = hearthwatch.db.base.UTCDateTime
    op.create_table(
        "processing_limits",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("use", sa.String(length=32), nullable=False),
        sa.Column("camera_id", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("started_at", when(), nullable=False),
        sa.Column("until", when(), nullable=True),
        sa.Column("lifted_at", when(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_processing_limits_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processing_limits")),
    )
    with op.batch_alter_table("processing_limits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_processing_limits_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("processing_limits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processing_limits_user_id"))
    op.drop_table("processing_limits")
