"""Closing a conversation asks the confidant for a closing category and an outcome."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from kring.core.context import CoreContext
from kring.core.insights.counters import read_counts
from kring.core.models import Reporter
from tests.journalist_ui.conftest import Account, Clock, designation_of, login, post, write_report


def reporter_row(ctx: CoreContext) -> Reporter:
    with ctx.sessions() as db:
        row = db.scalar(select(Reporter))
    assert row is not None
    return row


def test_closing_stores_category_and_outcome(
    jctx: CoreContext, client: FlaskClient, clock: Clock, admin: Account
) -> None:
    secrets_ = write_report(
        jctx, "one two three four five six seven", message="hi", category="bullying"
    )
    slug = designation_of(jctx, secrets_)
    with jctx.sessions.begin() as db:
        db.scalars(select(Reporter)).one().counted = True  # the reporter agreed
    login(client, admin, clock)
    with client.get(f"/en/c/{slug}") as page:  # at "new" there is nothing to close yet
        assert 'name="closing_category"' not in page.get_data(as_text=True)
    status, _ = post(
        client, f"/en/c/{slug}/status", {"status": "acknowledged"}, page=f"/en/c/{slug}"
    )
    assert status == 302
    with client.get(f"/en/c/{slug}") as page:
        html = page.get_data(as_text=True)
    assert 'name="closing_category"' in html and 'name="outcome"' in html
    assert "Withdrawn by the reporter" in html
    for half in (
        {"closing_category": "integrity", "outcome": "nonsense"},
        {"closing_category": "integrity"},
        {"outcome": "mediated"},
    ):
        status, html = post(
            client, f"/en/c/{slug}/status", {"status": "closed", **half}, page=f"/en/c/{slug}"
        )
        assert status == 400, half
        assert reporter_row(jctx).status == "acknowledged"  # refused: half a classification
    status, _ = post(
        client,
        f"/en/c/{slug}/status",
        {"status": "closed", "closing_category": "integrity", "outcome": "mediated"},
        page=f"/en/c/{slug}",
    )
    assert status == 302
    row = reporter_row(jctx)
    assert (row.status, row.classified) == ("closed", True)  # the labels only in the counters
    assert row.closed_on is not None and row.acknowledged_on is not None
    counts = read_counts(jctx)
    assert counts[("closing_category", "integrity", "2027-Q1")] == 1
    assert counts[("outcome", "mediated", "2027-Q1")] == 1
    assert counts[("category", "bullying", "2027-Q1")] == 0  # consent was given after it


def test_other_statuses_need_no_classification(  # and closing may leave it "not given"
    jctx: CoreContext, client: FlaskClient, clock: Clock, admin: Account
) -> None:
    secrets_ = write_report(jctx, "one two three four five six seven", message="hi")
    slug = designation_of(jctx, secrets_)
    login(client, admin, clock)
    status, _ = post(
        client, f"/en/c/{slug}/status", {"status": "in_progress"}, page=f"/en/c/{slug}"
    )
    assert status == 302
    row = reporter_row(jctx)
    assert (row.status, row.classified) == ("in_progress", False)
    status, _ = post(client, f"/en/c/{slug}/status", {"status": "closed"}, page=f"/en/c/{slug}")
    row = reporter_row(jctx)
    assert (row.status, row.classified) == ("closed", False)
