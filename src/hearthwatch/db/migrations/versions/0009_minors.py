"""minors: guardian consent for accounts of children under 16 (P4)

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hearthwatch.db.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = hearthwatch.db.base.UTCDateTime
    op.create_table(
        "guardian_consents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("guardian_email", sa.String(length=254), nullable=True),
        sa.Column("guardian_name", sa.String(length=128), nullable=True),
        sa.Column("requested_at", when(), nullable=False),
        sa.Column("deadline_at", when(), nullable=False),
        sa.Column("decided_at", when(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_guardian_consents_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardian_consents")),
        sa.UniqueConstraint("user_id", name=op.f("uq_guardian_consents_user_id")),
    )
    with op.batch_alter_table("guardian_consents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guardian_consents_deadline_at"), ["deadline_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("guardian_consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guardian_consents_deadline_at"))
    op.drop_table("guardian_consents")
