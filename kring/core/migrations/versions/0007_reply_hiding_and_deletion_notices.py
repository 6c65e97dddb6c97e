"""reply hiding and deletion notices: the confidant's record stays honest

items.hidden_from_reporter: a reporter's "delete this reply" hides it from them
only. deletion_notices: a content-free inbox line for 30 days after a reporter
deleted a conversation addressed to the confidant.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hidden_from_reporter", sa.Boolean(), nullable=False, server_default="0")
        )
    op.create_table(
        "deletion_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("confidant_id", sa.Integer(), nullable=False),
        sa.Column("designation", sa.String(length=80), nullable=False),
        sa.Column("deleted_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["confidant_id"],
            ["confidants.id"],
            name=op.f("fk_deletion_notices_confidant_id_confidants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deletion_notices")),
    )


def downgrade() -> None:
    op.drop_table("deletion_notices")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("hidden_from_reporter")
