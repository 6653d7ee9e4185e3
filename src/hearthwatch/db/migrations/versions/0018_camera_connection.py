"""camera connection: the RTSP transport chosen per camera, and the one that worked

`cameras.rtsp_transport` is the owner's choice (auto, tcp or udp); `rtsp_transport_used` is
the transport the last working session used, so a camera that only streams over UDP is
asked over UDP first after a reconnect or a restart (media/connection.py).

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rtsp_transport", sa.String(length=8), server_default="auto", nullable=False)
        )
        batch_op.add_column(sa.Column("rtsp_transport_used", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.drop_column("rtsp_transport_used")
        batch_op.drop_column("rtsp_transport")
