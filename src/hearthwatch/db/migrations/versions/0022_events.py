"""events: detection settings, events, who has seen them; cameras' privacy mode and masks

Issue 14 items 1, 2, 4 and 5.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hearthwatch.db.base

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    when = hearthwatch.db.base.UTCDateTime
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("privacy_mode", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("privacy_masks", sa.Text(), server_default="[]", nullable=False)
        )
    op.create_table(
        "camera_detection",
        sa.Column("camera_id", sa.String(length=32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("sensitivity", sa.Integer(), nullable=False),
        sa.Column("min_duration_ms", sa.Integer(), nullable=False),
        sa.Column("quiet_seconds", sa.Integer(), nullable=False),
        sa.Column("pre_roll_s", sa.Integer(), nullable=False),
        sa.Column("post_roll_s", sa.Integer(), nullable=False),
        sa.Column("zones", sa.Text(), nullable=False),
        sa.Column("updated_at", when(), nullable=False),
        _fk("camera_detection", "camera_id", "cameras"),
        sa.PrimaryKeyConstraint("camera_id", name=op.f("pk_camera_detection")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("camera_id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("start_us", sa.BigInteger(), nullable=False),
        sa.Column("end_us", sa.BigInteger(), nullable=True),
        sa.Column("last_active_us", sa.BigInteger(), nullable=False),
        sa.Column("peak_score", sa.Float(), nullable=False),
        sa.Column("zones", sa.Text(), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=160), nullable=True),
        sa.Column("span_start_us", sa.BigInteger(), nullable=False),
        sa.Column("span_end_us", sa.BigInteger(), nullable=True),
        _fk("events", "camera_id", "cameras"),
        _fk("events", "owner_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_owner_start", ["owner_id", "start_us", "id"])
        batch_op.create_index("ix_events_camera_start", ["camera_id", "start_us", "id"])
    op.create_table(
        "event_zones",
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("zone_id", sa.String(length=32), nullable=False),
        sa.Column("camera_id", sa.String(length=32), nullable=False),
        sa.Column("start_us", sa.BigInteger(), nullable=False),
        _fk("event_zones", "event_id", "events"),
        _fk("event_zones", "camera_id", "cameras"),
        sa.PrimaryKeyConstraint("event_id", "zone_id", name=op.f("pk_event_zones")),
    )
    with op.batch_alter_table("event_zones", schema=None) as batch_op:
        batch_op.create_index("ix_event_zones_zone_start", ["camera_id", "zone_id", "start_us"])
    op.create_table(
        "event_seen",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        _fk("event_seen", "user_id", "users"),
        _fk("event_seen", "event_id", "events"),
        sa.PrimaryKeyConstraint("user_id", "event_id", name=op.f("pk_event_seen")),
    )
    with op.batch_alter_table("event_seen", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_seen_event_id"), ["event_id"])
    op.create_table(
        "event_seen_marks",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("seen_through_us", sa.BigInteger(), nullable=False),
        _fk("event_seen_marks", "user_id", "users"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_event_seen_marks")),
    )


def downgrade() -> None:
    for table in ("event_seen_marks", "event_seen", "event_zones", "events", "camera_detection"):
        op.drop_table(table)
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.drop_column("privacy_masks")
        batch_op.drop_column("privacy_mode")
