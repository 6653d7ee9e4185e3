"""personal columns sealed with the account's data key, with blind indexes

E-mail, nickname, real name, the address a change of e-mail waits on, the cameras'
network addresses and a guardian's address and name become binary columns holding values
sealed with the account's data key (security/sealed_columns.py, P38). Sign-in finds an
account by `users.email_index`, a keyed hash of the address, which takes over the
uniqueness of the address.

The keys live in the keyring database, out of a migration's reach: this step changes the
columns' type and keeps their text as it was; `seal_plaintext_rows` (run at every start,
security/sealed_rows.py) then seals what is left in plaintext and fills the blind indexes.
A downgrade needs the plaintext back first (`unseal_rows`): PostgreSQL refuses to turn a
sealed value back into text.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# table -> (column, its former text type, nullable)
SEALED = {
    "users": (
        ("email", sa.String(length=254), False),
        ("nickname", sa.String(length=64), True),
        ("real_name", sa.String(length=128), True),
    ),
    "one_time_codes": (("email", sa.String(length=254), True),),
    "cameras": (
        ("rtsp_url", sa.String(length=512), False),
        ("sub_rtsp_url", sa.String(length=512), True),
    ),
    "guardian_consents": (
        ("guardian_email", sa.String(length=254), True),
        ("guardian_name", sa.String(length=128), True),
    ),
}


def _to_binary(batch_op: BatchOperations, column: str, text: sa.String, nullable: bool) -> None:
    batch_op.alter_column(
        column,
        existing_type=text,
        type_=sa.LargeBinary(),
        existing_nullable=nullable,
        postgresql_using=f"convert_to({column}, 'UTF8')",
    )


def _to_text(batch_op: BatchOperations, column: str, text: sa.String, nullable: bool) -> None:
    batch_op.alter_column(
        column,
        existing_type=sa.LargeBinary(),
        type_=text,
        existing_nullable=nullable,
        postgresql_using=f"convert_from({column}, 'UTF8')",
    )


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_users_email"), type_="unique")
        for column, text, nullable in SEALED["users"]:
            _to_binary(batch_op, column, text, nullable)
        batch_op.add_column(sa.Column("email_index", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(op.f("uq_users_email_index"), ["email_index"])
    with op.batch_alter_table("one_time_codes", schema=None) as batch_op:
        for column, text, nullable in SEALED["one_time_codes"]:
            _to_binary(batch_op, column, text, nullable)
        batch_op.add_column(sa.Column("email_index", sa.String(length=64), nullable=True))
        batch_op.create_index(op.f("ix_one_time_codes_email_index"), ["email_index"], unique=False)
    for table in ("cameras", "guardian_consents"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, text, nullable in SEALED[table]:
                _to_binary(batch_op, column, text, nullable)


def downgrade() -> None:
    for table in ("guardian_consents", "cameras"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, text, nullable in SEALED[table]:
                _to_text(batch_op, column, text, nullable)
    with op.batch_alter_table("one_time_codes", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_one_time_codes_email_index"))
        batch_op.drop_column("email_index")
        for column, text, nullable in SEALED["one_time_codes"]:
            _to_text(batch_op, column, text, nullable)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_users_email_index"), type_="unique")
        batch_op.drop_column("email_index")
        for column, text, nullable in SEALED["users"]:
            _to_text(batch_op, column, text, nullable)
        batch_op.create_unique_constraint(op.f("uq_users_email"), ["email"])
