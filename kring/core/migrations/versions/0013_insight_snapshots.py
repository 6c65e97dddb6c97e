"""insight snapshots: each finished quarter's published tables, frozen once

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
    op.create_table(
        "insight_snapshots",
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("frozen_on", sa.Date(), nullable=False),
        sa.Column("tables", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("quarter", name=op.f("pk_insight_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("insight_snapshots")
