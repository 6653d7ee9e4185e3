"""consent ledger (no UPDATE), privacy notice versions and acceptances, page-view counts

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hearthwatch.db.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NO_CHANGE = "the consent ledger is append-only"


def upgrade() -> None:
    op.create_table(
        "consent_ledger",
        sa.Column("id", _SEQ, autoincrement=True, nullable=False),
        sa.Column("at", hearthwatch.db.base.UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("visitor_id", sa.String(length=32), nullable=True),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("notice_version", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_consent_ledger_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_ledger")),
    )
    with op.batch_alter_table("consent_ledger", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consent_ledger_user_purpose", ["user_id", "purpose", "id"], unique=False
        )
        batch_op.create_index(
            "ix_consent_ledger_visitor_purpose", ["visitor_id", "purpose", "id"], unique=False
        )
    op.create_table(
        "privacy_notices",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("published_at", hearthwatch.db.base.UTCDateTime(), nullable=False),
        sa.Column("effective_at", hearthwatch.db.base.UTCDateTime(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("requires_acceptance", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_privacy_notices")),
    )
    op.create_table(
        "notice_acceptances",
        sa.Column("id", _SEQ, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("accepted_at", hearthwatch.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notice_acceptances_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version"],
            ["privacy_notices.number"],
            name=op.f("fk_notice_acceptances_version_privacy_notices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_acceptances")),
    )
    with op.batch_alter_table("notice_acceptances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notice_acceptances_user_id"), ["user_id"], unique=False
        )
    op.create_table(
        "analytics_page_views",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("section", sa.String(length=40), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "section", name=op.f("pk_analytics_page_views")),
    )
    _refuse_ledger_updates()


def _refuse_ledger_updates() -> None:
    # Deleting stays possible: an erased account takes its consent rows with it.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER consent_ledger_no_update BEFORE UPDATE ON consent_ledger "
            f"BEGIN SELECT RAISE(ABORT, '{NO_CHANGE}'); END"
        )
        return
    op.execute(
        "CREATE FUNCTION consent_ledger_refuse_update() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{NO_CHANGE}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER consent_ledger_append_only BEFORE UPDATE ON consent_ledger "
        "FOR EACH ROW EXECUTE FUNCTION consent_ledger_refuse_update()"
    )


def _allow_ledger_updates() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS consent_ledger_no_update")
        return
    op.execute("DROP TRIGGER IF EXISTS consent_ledger_append_only ON consent_ledger")
    op.execute("DROP FUNCTION IF EXISTS consent_ledger_refuse_update()")


def downgrade() -> None:
    _allow_ledger_updates()
    op.drop_table("analytics_page_views")
    with op.batch_alter_table("notice_acceptances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_acceptances_user_id"))
    op.drop_table("notice_acceptances")
    op.drop_table("privacy_notices")
    with op.batch_alter_table("consent_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_ledger_visitor_purpose")
        batch_op.drop_index("ix_consent_ledger_user_purpose")
    op.drop_table("consent_ledger")
