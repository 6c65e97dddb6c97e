"""item sizes in buckets: no exact size of a reporter's item stays in the database

Existing rows are rounded up to their bucket (kring.core.storage.sizes: 10 kB, 20 kB,
50 kB, 100 kB, … in a 1-2-5 series); new rows are written that way.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _bucket_sql() -> str:
    # The same series as kring.core.storage.sizes.size_bucket, as one CASE (up to 500 GB).
    steps = []
    magnitude = 10_000
    while magnitude <= 100_000_000_000:
        steps += [magnitude, 2 * magnitude, 5 * magnitude]
        magnitude *= 10
    whens = " ".join(f"WHEN size <= {s} THEN {s}" for s in steps)
    return f"CASE WHEN size <= 0 THEN 0 {whens} ELSE size END"


def upgrade() -> None:
    op.execute(f"UPDATE items SET size = {_bucket_sql()}")  # noqa: S608 - no input, constants


def downgrade() -> None:
    # The exact sizes are gone by design; the buckets stay.
    pass
