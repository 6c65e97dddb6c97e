"""reporter keeps a copy: messages also encrypted to the reporter's own key, if chosen

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reporters", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("keep_copy", sa.Boolean(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("reporters", schema=None) as batch_op:
        batch_op.drop_column("keep_copy")
