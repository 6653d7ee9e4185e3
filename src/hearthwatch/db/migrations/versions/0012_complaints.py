"""complaints from people without an account (P27)

A complaint may now have no account: `rights_requests.user_id` becomes nullable, and the
address the complainant proved (and the name they gave) are kept on the request. Until the
mailed code is entered, the complaint waits in `pending_complaints`.

SQLite alters a column by copying the table (batch mode); with foreign keys on, dropping
the old `rights_requests` would cascade to `rights_request_steps`, so the steps are kept
aside and put back. The downgrade removes the complaints that have no account first.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

import hearthwatch.db.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = hearthwatch.db.base.UTCDateTime
    op.create_table(
        "pending_complaints",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("created_at", when(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("code_expires_at", when(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_complaints")),
    )
    with _steps_kept(), op.batch_alter_table("rights_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("complainant_email", sa.String(254), nullable=True))
        batch_op.add_column(sa.Column("complainant_name", sa.String(128), nullable=True))
        batch_op.alter_column("user_id", existing_type=sa.String(32), nullable=True)


def downgrade() -> None:
    op.execute(
        "DELETE FROM rights_request_steps WHERE request_id IN "
        "(SELECT id FROM rights_requests WHERE user_id IS NULL)"
    )
    op.execute("DELETE FROM rights_requests WHERE user_id IS NULL")
    with _steps_kept(), op.batch_alter_table("rights_requests", schema=None) as batch_op:
        batch_op.alter_column("user_id", existing_type=sa.String(32), nullable=False)
        batch_op.drop_column("complainant_name")
        batch_op.drop_column("complainant_email")
    op.drop_table("pending_complaints")


@contextmanager
def _steps_kept() -> Iterator[None]:
    """On SQLite, copy the steps aside while `rights_requests` is rebuilt, then put them
    back as they were; PostgreSQL alters the table in place and needs none of it."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TEMPORARY TABLE _hw_0012_steps AS SELECT * FROM rights_request_steps")
    yield
    if sqlite:
        op.execute("DELETE FROM rights_request_steps")
        op.execute("INSERT INTO rights_request_steps SELECT * FROM _hw_0012_steps")
        op.execute("DROP TABLE _hw_0012_steps")
