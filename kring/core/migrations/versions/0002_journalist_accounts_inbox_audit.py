"""journalist accounts, inbox marks, legal clock days, audit log, instance settings

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("designation", sa.String(length=80), nullable=True),
        sa.Column("account", sa.String(length=60), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_table(
        "instance_settings",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_instance_settings")),
    )
    op.create_table(
        "stars",
        sa.Column("confidant_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["confidant_id"], ["confidants.id"], name=op.f("fk_stars_confidant_id_confidants"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reporter_id"], ["reporters.id"], name=op.f("fk_stars_reporter_id_reporters"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("confidant_id", "reporter_id", name=op.f("pk_stars")),
    )
    op.create_table(
        "read_marks",
        sa.Column("confidant_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["confidant_id"], ["confidants.id"], name=op.f("fk_read_marks_confidant_id_confidants"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_read_marks_item_id_items"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("confidant_id", "item_id", name=op.f("pk_read_marks")),
    )
    # Existing confidants (added by `kring confidant add`) get no account:
    # no username, unconfirmed TOTP, the plain confidant role.
    with op.batch_alter_table("confidants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("username", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("password_hash", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_confirmed", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("totp_last_counter", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("role", sa.String(length=20), nullable=False, server_default="confidant"))
        batch_op.create_unique_constraint(batch_op.f("uq_confidants_username"), ["username"])

    with op.batch_alter_table("reporters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acknowledged_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("feedback_due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_reporters_last_activity_on"), ["last_activity_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reporters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reporters_last_activity_on"))
        batch_op.drop_column("closed_on")
        batch_op.drop_column("feedback_due_on")
        batch_op.drop_column("acknowledged_on")

    with op.batch_alter_table("confidants", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_confidants_username"), type_="unique")
        batch_op.drop_column("role")
        batch_op.drop_column("totp_last_counter")
        batch_op.drop_column("totp_confirmed")
        batch_op.drop_column("totp_secret")
        batch_op.drop_column("password_hash")
        batch_op.drop_column("username")

    op.drop_table("read_marks")
    op.drop_table("stars")
    op.drop_table("instance_settings")
    op.drop_table("audit_log")
