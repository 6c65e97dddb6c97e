"""Case records come from counted conversations only, in coarse fields; units list."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from kring.core import units
from kring.core.context import CoreContext
from kring.core.insights.records import case_records
from kring.core.insights.tables import CaseRecord
from kring.core.models import Reporter


def add_reporter(ctx: CoreContext, n: int, **fields: object) -> None:
    created = fields.pop("created_on", dt.date(2026, 5, 10))
    with ctx.sessions.begin() as db:
        db.add(
            Reporter(
                lookup_id=f"lookup-{n}",
                designation=f"word word{n}",
                public_key="pk",
                secret_key="sk",
                created_on=created,
                last_activity_on=created,
                **fields,
            )
        )


def test_only_counted_conversations_become_records(ctx: CoreContext) -> None:
    add_reporter(
        ctx,
        1,
        counted=True,
        path="wrongdoing",
        category="bullying",
        closing_category="integrity",
        unit="Finance",
        outcome="resolved",
        acknowledged_on=dt.date(2026, 5, 13),
        feedback_given_on=dt.date(2026, 7, 1),
        status="closed",
    )
    add_reporter(
        ctx, 2, counted=True, path="advice", category="aggression", created_on=dt.date(2026, 12, 31)
    )
    add_reporter(ctx, 3, counted=False, path="formal", category="discrimination", unit="Finance")
    records = sorted(case_records(ctx), key=lambda r: r.quarter)
    assert records == [
        CaseRecord(
            quarter="2026-Q2",
            category="integrity",  # the closing classification wins
            path="wrongdoing",
            unit="Finance",
            outcome="resolved",
            days_to_acknowledgement=3,
            days_to_feedback=49,  # 13 May to 1 July
        ),
        CaseRecord(
            quarter="2026-Q4",
            category="aggression",
            path="advice",
            unit=None,
            outcome=None,
            days_to_acknowledgement=None,
            days_to_feedback=None,
        ),
    ]


def test_records_are_one_query_filtered_on_consent(ctx: CoreContext) -> None:
    for n in range(5):
        add_reporter(ctx, n, counted=n % 2 == 0)
    statements: list[str] = []

    def spy(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(ctx.engine, "before_cursor_execute", spy)
    try:
        assert len(case_records(ctx)) == 3
    finally:
        event.remove(ctx.engine, "before_cursor_execute", spy)
    assert len(statements) == 1
    assert "counted" in statements[0] and "FROM reporters" in statements[0]
    for secret_column in ("lookup_id", "designation", "secret_key", "public_key"):
        assert secret_column not in statements[0]


def test_units_add_list_delete(ctx: CoreContext) -> None:
    assert units.add_unit(ctx, "  Finance   and  Control ") == "Finance and Control"
    units.add_unit(ctx, "Care")
    assert units.list_units(ctx) == ["Care", "Finance and Control"]
    with pytest.raises(units.UnitExists):
        units.add_unit(ctx, "Care")
    for bad in ("", "   ", "x" * 81, "tab\x00"):
        with pytest.raises(units.InvalidUnit):
            units.add_unit(ctx, bad)
    units.add_unit(ctx, "y" * 80)
    units.delete_unit(ctx, "Care")
    with pytest.raises(units.UnitNotFound):
        units.delete_unit(ctx, "Care")
    assert units.list_units(ctx) == ["Finance and Control", "y" * 80]


def test_unit_cli(ctx: CoreContext) -> None:
    from click.testing import CliRunner

    from kring.cli import main

    runner = CliRunner()
    folder = str(ctx.settings.instance_dir)
    assert runner.invoke(main, ["unit", "add", "--instance", folder, "Care"]).exit_code == 0
    assert runner.invoke(main, ["unit", "add", "--instance", folder, "Care"]).exit_code != 0
    assert runner.invoke(main, ["unit", "list", "--instance", folder]).output == "Care\n"
    assert runner.invoke(main, ["unit", "delete", "--instance", folder, "Care"]).exit_code == 0
    assert units.list_units(ctx) == []
