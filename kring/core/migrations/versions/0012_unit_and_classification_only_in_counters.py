"""unit and closing classification only in the counters, never with a conversation

Migration 0011 copied the counted conversations' units, closing categories and
outcomes into ``insight_counts``; this drops the three columns of ``reporters``
(SQLite rewrites the table; secure_delete is on for the app's connections) and
keeps only ``classified``: that the closing classification was given, so it is
counted once.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reporters", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("classified", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE reporters SET classified = 1 WHERE outcome IS NOT NULL")
    with op.batch_alter_table("reporters", schema=None) as batch_op:
        batch_op.drop_column("unit")
        batch_op.drop_column("closing_category")
        batch_op.drop_column("outcome")


def downgrade() -> None:
    # The values are gone by design (only the counters hold them); the columns come back empty.
    with op.batch_alter_table("reporters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("closing_category", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(length=40), nullable=True))
        batch_op.drop_column("classified")
