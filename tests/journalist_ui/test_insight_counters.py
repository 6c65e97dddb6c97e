"""The statistics count from aggregate counters: nothing published moves afterwards.

Reports go through the real submission (gpg, store, database); closing,
acknowledgement and feedback through the confidants' app; deletion through the
reporter's own delete and through retention.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from kring.core import units
from kring.core.accounts import records
from kring.core.cases.retention import run_retention
from kring.core.context import CoreContext
from kring.core.insights.counters import read_counts
from kring.core.instance_settings import current_options, save_options
from kring.core.models import InsightCount, InsightSnapshot, Reporter
from kring.core.reporting import access, conversation
from kring.core.reporting import submission as reporting_submission
from tests.journalist_ui.conftest import (
    Account,
    Clock,
    designation_of,
    login,
    make_account,
    post,
    write_report,
)

TABLES = ("category", "path", "unit", "closing_category", "outcome")


def codename(n: int) -> str:
    return f"alpha bravo charlie delta echo fox {n:02d}"


def published(client: FlaskClient) -> dict[str, str]:
    """Every table of 2026 as its CSV, as a viewer downloads it."""
    out = {}
    for name in TABLES:
        with client.get(f"/en/insights/2026/{name}.csv") as response:
            assert response.status_code == 200, name
            out[name] = response.get_data(as_text=True)
    return out


def test_consent_raises_counters_in_the_quarter_of_the_first_message(
    jctx: CoreContext, admin: Account
) -> None:
    units.add_unit(jctx, "Finance")
    write_report(
        jctx,
        codename(1),
        message="hi",
        path="formal",
        category="bullying",
        counted="yes",
        unit="Finance",
    )
    write_report(jctx, codename(2), message="hi", category="bullying", counted="no")
    write_report(jctx, codename(3), message="hi", category="bullying")  # no answer
    secrets_ = access.derive_secrets(jctx, codename(1))
    draft = reporting_submission.SubmissionDraft(jctx, secrets_)  # a second message counts nothing
    try:
        draft.choose(recipient="all", path="wrongdoing", category="integrity", counted="yes")
        draft.set_message("more")
        draft.commit()
    finally:
        draft.discard()
    assert dict(read_counts(jctx)) == {
        ("category", "bullying", "2027-Q1"): 1,
        ("path", "formal", "2027-Q1"): 1,
        ("unit", "Finance", "2027-Q1"): 1,
    }


def test_closing_acknowledgement_and_feedback_count_once(
    jctx: CoreContext, client: FlaskClient, clock: Clock, admin: Account
) -> None:
    secrets_ = write_report(jctx, codename(1), message="hi", path="wrongdoing", counted="yes")
    slug = designation_of(jctx, secrets_)
    login(client, admin, clock)
    close = {"status": "closed", "closing_category": "integrity", "outcome": "mediated"}
    for _ in range(2):  # closed, reopened, closed again with another outcome
        assert post(client, f"/en/c/{slug}/status", close, page=f"/en/c/{slug}")[0] == 302
        assert post(client, f"/en/c/{slug}/feedback", {}, page=f"/en/c/{slug}")[0] == 302
        reopen = {"status": "in_progress"}
        assert post(client, f"/en/c/{slug}/status", reopen, page=f"/en/c/{slug}")[0] == 302
        close = {**close, "outcome": "resolved"}
    counts = read_counts(jctx)
    assert counts[("closing_category", "integrity", "2027-Q1")] == 1
    assert counts[("outcome", "mediated", "2027-Q1")] == 1
    assert counts[("outcome", "resolved", "2027-Q1")] == 0
    assert counts[("days_to_acknowledgement", "0", "2027-Q1")] == 1
    assert counts[("days_to_feedback", "0", "2027-Q1")] == 1


def test_nothing_published_moves_after_publication(
    jctx: CoreContext, app: Flask, client: FlaskClient, clock: Clock, admin: Account
) -> None:
    """A new report, a closing, a deletion and retention after publication change no number."""
    day = [dt.date(2026, 2, 10)]
    jctx.today = lambda: day[0]
    units.add_unit(jctx, "Care")
    reporters = [
        write_report(
            jctx,
            codename(n),
            message=f"report {n}",
            path="wrongdoing" if n < 6 else "advice",
            category="bullying" if n % 2 else "integrity",
            counted="yes",
            unit="Care",
        )
        for n in range(14)
    ]
    day[0] = dt.date(2026, 5, 1)  # Q1 published (ended 14 days ago or more)
    viewer = make_account(jctx, clock, "hr", role=records.Role.INSIGHTS)
    hr = app.test_client()
    login(hr, viewer, clock)
    before = published(hr)
    assert before["path"].splitlines()[-1] == "total,14,14"  # only Q1 is shown

    write_report(jctx, codename(20), message="new", category="bullying", counted="yes")
    login(client, admin, clock)
    for secrets_ in reporters[:3]:  # closed now: counted in Q2, not shown yet
        slug = designation_of(jctx, secrets_)
        close = {"status": "closed", "closing_category": "bullying", "outcome": "resolved"}
        assert post(client, f"/en/c/{slug}/status", close, page=f"/en/c/{slug}")[0] == 302
    conversation.delete_conversation(jctx, reporters[5])  # the reporter deletes
    jctx.settings = dataclasses.replace(jctx.settings, retention_inactive_days=30)
    assert run_retention(jctx).deleted_inactive == 13  # retention deletes the rest of Q1
    with jctx.sessions() as db:
        assert [r.created_on for r in db.scalars(select(Reporter))] == [day[0]]
    assert published(hr) == before


def test_quarters_are_frozen_once_and_a_k_change_leaves_them_as_published(
    jctx: CoreContext, app: Flask, clock: Clock, admin: Account
) -> None:
    """Snapshots: frozen at the first request after publication, served as stored; the
    current quarter never frozen; an empty quarter an honest empty snapshot; a new k only
    for quarters published from then on, and the page says so."""
    day = [dt.date(2026, 2, 10)]
    jctx.today = lambda: day[0]
    for n in range(3):
        write_report(jctx, codename(n), message="q1", category="bullying", counted="yes")
    day[0] = dt.date(2026, 8, 1)  # Q1 and Q2 published; Q3 is current
    for n in range(3, 6):
        write_report(jctx, codename(n), message="q3", category="bullying", counted="yes")
    viewer = make_account(jctx, clock, "hr", role=records.Role.INSIGHTS)
    hr = app.test_client()
    login(hr, viewer, clock)
    first = published(hr)
    assert first["category"].splitlines()[-1] == "total,<5,0,<5"  # Q1's 3 hidden; Q2 empty
    with jctx.sessions() as db:
        frozen = {s.quarter: s.k for s in db.scalars(select(InsightSnapshot))}
    assert frozen == {"2026-Q1": 5, "2026-Q2": 5}  # never the current quarter
    with jctx.sessions.begin() as db:  # even if the counters changed, nothing is recomputed
        db.execute(update(InsightCount).values(count=InsightCount.count + 10))
    assert published(hr) == first

    options = current_options(jctx)
    save_options(jctx, dataclasses.replace(options, insights_k=3), actor="anna")
    assert published(hr) == first  # 3 would now be shown, but Q1 and Q2 stay as published
    with hr.get("/en/insights/?year=2026") as response:
        page = response.get_data(as_text=True)
    assert "The threshold is now 3" in page and "Q1 2026 (k = 5)" in page
    day[0] = dt.date(2026, 10, 20)  # Q3 published now, with k = 3
    # Q3: its 3 reports plus the 10 added above, frozen from the counters now, with k = 3.
    assert published(hr)["category"].splitlines()[-1] == "total,<5,0,13,<5"
