"""account holder enrolment: temporary passwords and security notices

An admin-issued password only lets its holder choose their own; accounts not
yet enrolled keep a password the admin saw, so they are marked temporary.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("confidants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("password_temporary", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("reset_by", sa.String(length=60), nullable=True))
        batch_op.add_column(
            sa.Column("account_notices", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("notice_mail_due", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Not yet enrolled: the password is still the one an admin was shown, and
    # the stored TOTP secret was made (and possibly seen) by the admin.
    op.execute(
        "UPDATE confidants SET password_temporary = 1, totp_secret = NULL "
        "WHERE username IS NOT NULL AND totp_confirmed = 0"
    )


def downgrade() -> None:
    with op.batch_alter_table("confidants", schema=None) as batch_op:
        batch_op.drop_column("notice_mail_due")
        batch_op.drop_column("account_notices")
        batch_op.drop_column("reset_by")
        batch_op.drop_column("password_temporary")
