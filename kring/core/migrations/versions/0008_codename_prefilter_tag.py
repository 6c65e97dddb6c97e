"""codename pre-filter tag: a 20-bit keyed tag per conversation

Lets a login refuse most guessed codenames before any argon2id derivation
(kring.core.codenames.prefilter). NULL for conversations made before; set at their next
login.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reporters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prefilter_tag", sa.Integer(), nullable=True))
        batch_op.create_index("ix_reporters_prefilter_tag", ["prefilter_tag"])


def downgrade() -> None:
    with op.batch_alter_table("reporters", schema=None) as batch_op:
        batch_op.drop_index("ix_reporters_prefilter_tag")
        batch_op.drop_column("prefilter_tag")
