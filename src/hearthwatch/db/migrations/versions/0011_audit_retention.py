"""audit log retention: checkpoints keep the hash chain verifiable after old entries go

The audit log's DELETE guard now lets through entries a checkpoint covers (and nothing
else); checkpoints are append-only themselves.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hearthwatch.db.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LOG_MESSAGE = "the audit log is append-only"
CHECKPOINT_MESSAGE = "audit checkpoints are append-only"
COVERED = "OLD.seq <= (SELECT COALESCE(MAX(seq), 0) FROM audit_checkpoints)"


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("seq", _SEQ, autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("last_at", hearthwatch.db.base.UTCDateTime(), nullable=False),
        sa.Column("made_at", hearthwatch.db.base.UTCDateTime(), nullable=False),
        sa.Column("removed", _SEQ, nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_checkpoints")),
    )
    if _sqlite():
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_checkpoints_no_{event.lower()} BEFORE {event} "
                f"ON audit_checkpoints BEGIN SELECT RAISE(ABORT, '{CHECKPOINT_MESSAGE}'); END"
            )
        op.execute("DROP TRIGGER audit_log_no_delete")
        op.execute(
            f"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log WHEN NOT ({COVERED}) "
            f"BEGIN SELECT RAISE(ABORT, '{LOG_MESSAGE}'); END"
        )
        return
    op.execute(
        "CREATE FUNCTION audit_checkpoints_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{CHECKPOINT_MESSAGE}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON "
        "audit_checkpoints FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_refuse_change()"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN IF TG_OP = 'DELETE' AND ({COVERED}) THEN RETURN OLD; END IF; "
        f"RAISE EXCEPTION '{LOG_MESSAGE}'; END $$"
    )


def downgrade() -> None:
    if _sqlite():
        op.execute("DROP TRIGGER audit_log_no_delete")
        op.execute(
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
            f"BEGIN SELECT RAISE(ABORT, '{LOG_MESSAGE}'); END"
        )
    else:
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE "
            f"plpgsql AS $$ BEGIN RAISE EXCEPTION '{LOG_MESSAGE}'; END $$"
        )
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoints_append_only ON audit_checkpoints")
        op.execute("DROP FUNCTION IF EXISTS audit_checkpoints_refuse_change()")
    op.drop_table("audit_checkpoints")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"
