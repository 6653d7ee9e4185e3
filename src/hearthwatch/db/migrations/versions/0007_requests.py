"""rights requests and complaints, with the steps each went through

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hearthwatch.db.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = hearthwatch.db.base.UTCDateTime
    op.create_table(
        "rights_requests",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("received_at", when(), nullable=False),
        sa.Column("due_at", when(), nullable=False),
        sa.Column("verified_at", when(), nullable=True),
        sa.Column("extended_months", sa.Integer(), nullable=False),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("fee_cents", sa.Integer(), nullable=True),
        sa.Column("fee_reason", sa.Text(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("closed_at", when(), nullable=True),
        sa.Column("repeat_of", sa.String(length=32), nullable=True),
        sa.Column("reminded_at", when(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_rights_requests_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_requests")),
    )
    with op.batch_alter_table("rights_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rights_requests_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_rights_requests_user_id"), ["user_id"], unique=False)
    op.create_table(
        "rights_request_steps",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("at", when(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("by", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["rights_requests.id"],
            name=op.f("fk_rights_request_steps_request_id_rights_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_request_steps")),
    )
    with op.batch_alter_table("rights_request_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rights_request_steps_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("rights_request_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rights_request_steps_request_id"))
    op.drop_table("rights_request_steps")
    with op.batch_alter_table("rights_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rights_requests_user_id"))
        batch_op.drop_index(batch_op.f("ix_rights_requests_status"))
    op.drop_table("rights_requests")
