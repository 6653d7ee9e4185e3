"""camera stream identity: one stream, one account

`cameras.stream_key` and `cameras.sub_stream_key` are keyed hashes of a camera's main and
sub-stream (host, port, path), and
`camera_streams` names the one account that holds each stream (devices/streams.py). Cameras
bound before this step have no key yet; the recorder gives them one on its first pass. The
registry's provisioning addresses are stored sealed from now on, which needs more room.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hearthwatch.db.base

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("camera_registry", schema=None) as batch_op:
        for column in ("rtsp_url", "sub_rtsp_url"):
            batch_op.alter_column(
                column, existing_type=sa.String(length=512), type_=sa.String(length=1024)
            )
    op.create_table(
        "camera_streams",
        sa.Column("stream_key", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("claimed_at", hearthwatch.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_camera_streams_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("stream_key", name=op.f("pk_camera_streams")),
    )
    with op.batch_alter_table("camera_streams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_camera_streams_owner_id"), ["owner_id"], unique=False)
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stream_key", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_cameras_stream_key"), ["stream_key"], unique=False)
        batch_op.add_column(sa.Column("sub_stream_key", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_cameras_sub_stream_key"), ["sub_stream_key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cameras_sub_stream_key"))
        batch_op.drop_column("sub_stream_key")
        batch_op.drop_index(batch_op.f("ix_cameras_stream_key"))
        batch_op.drop_column("stream_key")
    with op.batch_alter_table("camera_streams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_streams_owner_id"))
    op.drop_table("camera_streams")
    with op.batch_alter_table("camera_registry", schema=None) as batch_op:
        for column in ("rtsp_url", "sub_rtsp_url"):
            batch_op.alter_column(
                column, existing_type=sa.String(length=1024), type_=sa.String(length=512)
            )
