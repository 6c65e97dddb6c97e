"""The admin's list of coarse units reporters may name."""

from __future__ import annotations

import pytest

from kring.core import units
from kring.core.context import CoreContext


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
