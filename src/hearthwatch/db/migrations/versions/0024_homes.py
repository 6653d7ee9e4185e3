"""homes: arming modes and their schedule

Issue 14 item 6: each account's home (made when first needed) with its arming mode (Home,
Away, Night, Off), which cameras alert in each mode, and the weekly schedule that switches
modes at local times.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hearthwatch.db.base

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    when = hearthwatch.db.base.UTCDateTime
    op.create_table(
        "homes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("arming_mode", sa.String(length=8), nullable=False),
        sa.Column("mode_changed_at", when(), nullable=False),
        sa.Column("mode_changed_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", when(), nullable=False),
        sa.Column("schedule_checked_at", when(), nullable=False),
        _fk("homes", "owner_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_homes")),
    )
    with op.batch_alter_table("homes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_homes_owner_id"), ["owner_id"], unique=True)
    op.create_table(
        "home_mode_cameras",
        sa.Column("home_id", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("camera_id", sa.String(length=32), nullable=False),
        sa.Column("alerts", sa.Boolean(), nullable=False),
        _fk("home_mode_cameras", "home_id", "homes"),
        _fk("home_mode_cameras", "camera_id", "cameras"),
        sa.PrimaryKeyConstraint("home_id", "mode", "camera_id", name=op.f("pk_home_mode_cameras")),
    )
    with op.batch_alter_table("home_mode_cameras", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_home_mode_cameras_camera_id"), ["camera_id"])
    op.create_table(
        "arming_schedules",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("home_id", sa.String(length=32), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("at", sa.String(length=5), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", when(), nullable=False),
        _fk("arming_schedules", "home_id", "homes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arming_schedules")),
    )
    with op.batch_alter_table("arming_schedules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_arming_schedules_home_id"), ["home_id"])


def downgrade() -> None:
    for table in ("arming_schedules", "home_mode_cameras", "homes"):
        op.drop_table(table)
