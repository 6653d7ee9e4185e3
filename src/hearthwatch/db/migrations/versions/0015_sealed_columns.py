"""personal columns sealed with the account's data key, with blind indexes

Reserved for issue 11; filled in by the change that needs it (an empty step until then).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
