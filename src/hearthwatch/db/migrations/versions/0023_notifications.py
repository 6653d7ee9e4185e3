"""notifications: channels, preferences, delivery history

Issue 14 items 7-9: each user's alert choices (per camera too), their browsers' push
subscriptions, webhooks and MQTT broker (addresses and secrets sealed, P38), and the history
of every notification with its delivery per channel.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hearthwatch.db.base

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

TABLES = (
    "notification_deliveries",
    "notifications",
    "notify_mqtt",
    "notify_webhooks",
    "push_subscriptions",
    "notify_camera_channels",
    "notify_preferences",
)


def _fk(
    table: str, column: str, target: str, on_delete: str = "CASCADE"
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=on_delete
    )


def _switches() -> list[sa.Column[bool]]:
    return [
        sa.Column(name, sa.Boolean(), nullable=False)
        for name in ("push", "email", "webhook", "mqtt")
    ]


def upgrade() -> None:
    when = hearthwatch.db.base.UTCDateTime
    op.create_table(
        "notify_preferences",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        *_switches(),
        sa.Column("images", sa.Boolean(), nullable=False),
        sa.Column("quiet_start", sa.String(length=5), nullable=True),
        sa.Column("quiet_end", sa.String(length=5), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("cooldown_seconds", sa.Integer(), nullable=False),
        sa.Column("updated_at", when(), nullable=False),
        _fk("notify_preferences", "user_id", "users"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notify_preferences")),
    )
    op.create_table(
        "notify_camera_channels",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("camera_id", sa.String(length=32), nullable=False),
        *_switches(),
        _fk("notify_camera_channels", "user_id", "users"),
        _fk("notify_camera_channels", "camera_id", "cameras"),
        sa.PrimaryKeyConstraint("user_id", "camera_id", name=op.f("pk_notify_camera_channels")),
    )
    _owned_table(
        "push_subscriptions",
        sa.Column("endpoint", sa.LargeBinary(), nullable=False),
        sa.Column("p256dh", sa.LargeBinary(), nullable=False),
        sa.Column("auth", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", when(), nullable=False),
    )
    _owned_table(
        "notify_webhooks",
        sa.Column("url", sa.LargeBinary(), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("created_at", when(), nullable=False),
    )
    op.create_table(
        "notify_mqtt",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("url", sa.LargeBinary(), nullable=False),
        sa.Column("username", sa.LargeBinary(), nullable=True),
        sa.Column("password", sa.LargeBinary(), nullable=True),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("updated_at", when(), nullable=False),
        _fk("notify_mqtt", "user_id", "users"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notify_mqtt")),
    )
    _history(when)


def _owned_table(name: str, *columns: sa.Column[object]) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        *columns,
        _fk(name, "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{name}_user_id"), ["user_id"])


def _history(when: type[hearthwatch.db.base.UTCDateTime]) -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("camera_id", sa.String(length=32), nullable=True),
        sa.Column("event_id", sa.String(length=32), nullable=True),
        sa.Column("zone", sa.String(length=32), nullable=False),
        sa.Column("created_at", when(), nullable=False),
        sa.Column("suppressed_reason", sa.String(length=32), nullable=True),
        _fk("notifications", "user_id", "users"),
        _fk("notifications", "camera_id", "cameras"),
        _fk("notifications", "event_id", "events", on_delete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_user_created", ["user_id", "created_at", "id"])
        batch_op.create_index(
            "ix_notifications_cooldown", ["user_id", "camera_id", "zone", "created_at"]
        )
        batch_op.create_index(batch_op.f("ix_notifications_event_id"), ["event_id"])
    op.create_table(
        "notification_deliveries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("notification_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("sent_at", when(), nullable=True),
        _fk("notification_deliveries", "notification_id", "notifications"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_deliveries")),
    )
    with op.batch_alter_table("notification_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_deliveries_notification_id"), ["notification_id"]
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
