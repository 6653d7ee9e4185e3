"""export: "Download my data" jobs

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hearthwatch.db.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_exports",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_at", hearthwatch.db.base.UTCDateTime(), nullable=False),
        sa.Column("ready_at", hearthwatch.db.base.UTCDateTime(), nullable=True),
        sa.Column("expires_at", hearthwatch.db.base.UTCDateTime(), nullable=True),
        sa.Column("finished_at", hearthwatch.db.base.UTCDateTime(), nullable=True),
        sa.Column("objects_done", sa.Integer(), nullable=False),
        sa.Column("objects_total", sa.Integer(), nullable=False),
        sa.Column("bytes_done", sa.BigInteger(), nullable=False),
        sa.Column("bytes_total", sa.BigInteger(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_data_exports_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_exports")),
    )
    with op.batch_alter_table("data_exports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_exports_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("data_exports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_exports_user_id"))
    op.drop_table("data_exports")
