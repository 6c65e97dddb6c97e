"""insight counters: the statistics count from aggregate counters, never from live rows

Creates ``insight_counts`` (quarter, dimension, value, count) and fills it from
the existing counted conversations, as kring.core.insights.counters would have
raised it: category, path and unit as reported by the quarter of the first
message; closing category and outcome by the quarter of the closing; for
reports of wrongdoing the days to acknowledgement and to feedback, by the
quarter of the acknowledgement and of the feedback.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _quarter(column: str) -> str:
    return (
        f"strftime('%Y', {column}) || '-Q' || ((CAST(strftime('%m', {column}) AS INTEGER) + 2) / 3)"
    )


def _days(start: str, end: str) -> str:
    return f"CAST(MAX(julianday({end}) - julianday({start}), 0) AS INTEGER)"


# (dimension, value expression, quarter column, extra condition)
_BACKFILL = [
    ("category", "COALESCE(category, 'unknown')", "created_on", "1"),
    ("path", "path", "created_on", "1"),
    ("unit", "COALESCE(unit, 'unknown')", "created_on", "1"),
    (
        "closing_category",
        "COALESCE(closing_category, 'unknown')",
        "COALESCE(closed_on, created_on)",
        "outcome IS NOT NULL",
    ),
    ("outcome", "outcome", "COALESCE(closed_on, created_on)", "outcome IS NOT NULL"),
    (
        "days_to_acknowledgement",
        _days("created_on", "acknowledged_on"),
        "acknowledged_on",
        "path = 'wrongdoing' AND acknowledged_on IS NOT NULL",
    ),
    (
        "days_to_feedback",
        _days("acknowledged_on", "feedback_given_on"),
        "feedback_given_on",
        "path = 'wrongdoing' AND acknowledged_on IS NOT NULL AND feedback_given_on IS NOT NULL",
    ),
]


def upgrade() -> None:
    op.create_table(
        "insight_counts",
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("dimension", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=80), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("quarter", "dimension", "value", name=op.f("pk_insight_counts")),
    )
    for dimension, value, quarter_column, condition in _BACKFILL:
        quarter = _quarter(quarter_column)
        op.execute(
            "INSERT INTO insight_counts (quarter, dimension, value, count) "  # noqa: S608 - constants
            f"SELECT {quarter}, '{dimension}', CAST({value} AS TEXT), COUNT(*) FROM reporters "
            f"WHERE counted AND {condition} GROUP BY 1, 3"
        )


def downgrade() -> None:
    op.drop_table("insight_counts")
