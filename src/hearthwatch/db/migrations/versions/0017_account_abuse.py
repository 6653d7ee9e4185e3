"""reviewed minor reports, sign-in throttling by account and address, export download claims

Reserved for issue 11; filled in by the change that needs it (an empty step until then).

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
