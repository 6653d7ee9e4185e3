"""rectification: e-mail address changes and operator corrections

A change of sign-in address mails its code to the new address and, once done, an undo code
to the old one (accounts/email_change.py): `one_time_codes.email` holds that other
address. Operator corrections (privacy/requests/rectification.py) need no schema change: which
fields they may touch is declared in the data map.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("one_time_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("one_time_codes", schema=None) as batch_op:
        batch_op.drop_column("email")
