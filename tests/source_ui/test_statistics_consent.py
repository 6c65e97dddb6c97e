"""The reporter decides whether their conversation is counted, and may name a coarse unit."""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from kring.core.context import CoreContext
from kring.core.insights.counters import read_counts
from kring.core.insights.tables import quarter_of
from kring.core.models import Reporter, Unit
from tests.source_ui.conftest import get_codename, submit


@pytest.fixture
def units(ctx: CoreContext) -> None:
    with ctx.sessions.begin() as db:
        db.add_all([Unit(name="Sales"), Unit(name="Production")])


def _reporter(ctx: CoreContext) -> Reporter:
    with ctx.sessions() as db:
        reporter = db.scalar(select(Reporter))
        assert reporter is not None
        return reporter


def test_form_asks_and_no_answer_means_not_counted(
    client: FlaskClient, ctx: CoreContext, confidant_a: int, units: None
) -> None:
    get_codename(client)
    page = client.get("/en/submit").get_data(as_text=True)
    assert "counted in the anonymous statistics" in page
    assert 'name="counted" value="yes" checked' not in page
    assert '<option value="Sales">Sales</option>' in page
    status, _ = submit(client, message="x")
    assert status == 302
    assert _reporter(ctx).counted is False


def test_yes_and_unit_are_counted_but_the_unit_not_stored_with_the_conversation(
    client: FlaskClient, ctx: CoreContext, confidant_a: int, units: None
) -> None:
    get_codename(client)
    status, _ = submit(client, message="x", counted="yes", unit="Sales")
    assert status == 302
    reporter = _reporter(ctx)
    assert reporter.counted is True
    quarter = quarter_of(reporter.created_on)
    assert read_counts(ctx)[("unit", "Sales", quarter)] == 1
    with sqlite3.connect(ctx.settings.database_url.removeprefix("sqlite:///")) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(reporters)")]
        dump = "\n".join(db.iterdump())
    assert "unit" not in columns and "outcome" not in columns
    # The admin's units list and the counter; never a conversation's row.
    assert dump.count("'Sales'") == 2


def test_unknown_unit_or_answer_refused(
    client: FlaskClient, ctx: CoreContext, confidant_a: int, units: None
) -> None:
    get_codename(client)
    status, page = submit(client, message="x", counted="yes", unit="Team of three")
    assert status == 400
    assert "nothing was sent" in page
    status, _ = submit(client, message="x", counted="maybe")
    assert status == 400
    with ctx.sessions() as db:
        assert db.scalar(select(Reporter)) is None


def test_the_consent_text_names_the_instances_actual_threshold(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    from kring.core.instance_settings import current_options, save_options

    get_codename(client)
    assert "never a number smaller than 5." in client.get("/en/submit").get_data(as_text=True)
    save_options(ctx, dataclasses.replace(current_options(ctx), insights_k=3), actor="admin")
    english = client.get("/en/submit").get_data(as_text=True)
    assert "never a number smaller than 3." in english and "five" not in english
    assert "nooit een aantal kleiner dan 3." in client.get("/nl/submit").get_data(as_text=True)
    assert "nunca un número menor que 3." in client.get("/es/submit").get_data(as_text=True)
