"""Insights viewers see only the statistics; the statistics pages, charts, CSV and report."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from kring.core.accounts import admin as accounts_admin
from kring.core.accounts import records
from kring.core.accounts.confidants import list_confidants, resolve_recipients
from kring.core.context import CoreContext
from kring.core.insights.counters import (
    count_acknowledgement,
    count_consent,
    count_feedback,
)
from kring.core.models import Item, Reporter
from tests.journalist_ui.conftest import (
    Account,
    Clock,
    designation_of,
    login,
    make_account,
    post,
    write_report,
)


@pytest.fixture
def viewer(jctx: CoreContext, clock: Clock) -> Account:
    """An insights viewer (HR)."""
    return make_account(jctx, clock, "hr", role=records.Role.INSIGHTS)


def add_counted(ctx: CoreContext, n: int, **fields: object) -> None:
    created = fields.pop("created_on", dt.date(2026, 2, 10))
    values: dict[str, object] = {"counted": True, "path": "advice", "category": "bullying"}
    values.update(fields)
    unit = values.pop("unit", None)
    with ctx.sessions.begin() as db:
        reporter = Reporter(
            lookup_id=f"stat-{n}",
            designation=f"stat word{n}",
            public_key="pk",
            secret_key="sk",
            created_on=created,
            last_activity_on=created,
            **values,
        )
        db.add(reporter)
        db.flush()
        count_consent(
            db, reporter, unit=str(unit) if unit else None
        )  # as the first message with consent does
        if reporter.acknowledged_on is not None:  # as set_status does
            count_acknowledgement(db, reporter, reporter.acknowledged_on)
        if reporter.feedback_given_on is not None:  # as record_feedback does
            count_feedback(db, reporter, reporter.feedback_given_on)


def test_viewer_is_refused_everything_but_insights(
    jctx: CoreContext, client: FlaskClient, clock: Clock, admin: Account, viewer: Account
) -> None:
    secrets_ = write_report(jctx, "one two three four five six seven", message="hello")
    slug = designation_of(jctx, secrets_)
    with jctx.sessions() as db:
        item_id = db.scalar(select(Item.id))
    login(client, viewer, clock)
    for url in (
        "/en/",
        f"/en/c/{slug}",
        f"/en/c/{slug}/items/{item_id}.gpg",
        f"/en/c/{slug}/bundle.zip",
        "/en/admin/accounts",
        "/en/admin/settings",
        "/en/admin/audit",
    ):
        with client.get(url) as response:
            assert response.status_code == 403, url
            page = response.get_data(as_text=True)
            assert "Not allowed for insights accounts" in page, url
            assert "hello" not in page and "BEGIN PGP" not in page
    status, page = post(client, f"/en/c/{slug}/status", {"status": "closed"}, page="/en/insights/")
    assert status == 403
    with client.get("/en/insights/") as response:
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Insights 2027" in page and 'href="/en/"' not in page
    with client.get("/nl/insights/") as response:
        assert response.status_code == 200 and "Inzichten" in response.get_data(as_text=True)
    with client.get("/en/account/") as response:
        assert response.status_code == 200
        assert "Public key (ASCII armored)" not in response.get_data(as_text=True)


def test_viewer_lands_on_insights_and_is_never_a_recipient(
    jctx: CoreContext, client: FlaskClient, clock: Clock, admin: Account, viewer: Account
) -> None:
    token_page = client.get("/en/login").get_data(as_text=True)
    assert token_page
    login(client, viewer, clock)
    assert all(c.role != "insights" for c in list_confidants(jctx))
    assert [c.username for c in resolve_recipients(jctx, None)] == ["anna"]


def test_login_redirects_viewer_to_insights(
    jctx: CoreContext, client: FlaskClient, clock: Clock, viewer: Account
) -> None:
    from tests.journalist_ui.conftest import csrf

    token = csrf(client)
    with client.post(
        "/en/login",
        data={
            "csrf_token": token,
            "username": viewer.username,
            "password": viewer.password,
            "totp": viewer.code(clock),
        },
    ) as response:
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/en/insights/")


def test_admin_can_add_an_insights_account(
    jctx: CoreContext, client: FlaskClient, clock: Clock, admin: Account
) -> None:
    login(client, admin, clock)
    status, page = post(
        client,
        "/en/admin/accounts",
        {
            "username": "council",
            "display_name": "Works council",
            "role": "insights",
            "totp": admin.code(clock),
        },
        page="/en/admin/accounts",
    )
    assert status == 200, page
    made = [a for a in accounts_admin.list_accounts(jctx) if a.username == "council"]
    assert made and made[0].role == "insights"
    with client.get("/en/admin/accounts") as response:
        assert "Insights viewer" in response.get_data(as_text=True)


def test_tables_suppress_and_show_only_counted(
    jctx: CoreContext, client: FlaskClient, clock: Clock, viewer: Account
) -> None:
    for n in range(12):
        add_counted(jctx, n, unit="Care")
    for n in range(12, 14):
        add_counted(
            jctx, n, path="wrongdoing", category="integrity", created_on=dt.date(2026, 8, 1)
        )
    for n in range(40, 45):  # Q3 has 7: its total can be shown, the 2 not
        add_counted(jctx, n, created_on=dt.date(2026, 8, 2))
    for n in range(14, 40):
        add_counted(jctx, n, counted=False, category="aggression")
    login(client, viewer, clock)
    with client.get("/en/insights/?year=2026") as response:
        assert response.status_code == 200
        page = response.get_data(as_text=True)
    assert "Insights 2026" in page
    assert "<strong>19</strong>" in page  # counted conversations only
    assert "&lt;5" in page  # the two integrity cases are hidden
    assert ">2<" not in page
    assert "not enough cases" in page  # 2 reports of wrongdoing < k
    assert ">40<" not in page and ">26<" not in page  # uncounted never appear
    assert '<img src="/en/insights/2026/category.svg"' in page
    assert '<img src="/en/insights/2026/trend.svg"' in page
    assert "<script" not in page
    with client.get("/en/insights/2026/category.csv") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        body = response.get_data(as_text=True)
    lines = body.splitlines()
    assert lines[0] == ",2026-Q1,2026-Q2,2026-Q3,2026-Q4,total"
    assert lines[-1] == "total,12,0,7,0,19"
    integrity = next(line for line in lines if line.startswith('"Integrity'))
    assert integrity.endswith(",<5,0,<5")  # Q3 and the row total hidden
    assert ",2," not in body and not body.rstrip().endswith(",2")
    bullying = next(line for line in lines if line.startswith("Bullying"))
    assert bullying == "Bullying,12,0,<5,0,<5"  # hidden too: 7 - 5 would give the 2 back
    for name in ("category", "path", "unit", "closing_category", "outcome", "trend"):
        with client.get(f"/en/insights/2026/{name}.svg") as response:
            assert response.status_code == 200, name
            assert response.headers["Content-Type"] == "image/svg+xml; charset=utf-8"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            svg = response.get_data(as_text=True)
            assert svg.startswith("<svg") and "<script" not in svg
    for bad in (
        "/en/insights/2026/secrets.csv",
        "/en/insights/1999/category.csv",
        "/en/insights/?year=3000",
        "/en/insights/?year=x",
    ):
        with client.get(bad) as response:
            assert response.status_code == 404, bad


def test_annual_report_in_both_languages(
    jctx: CoreContext, client: FlaskClient, clock: Clock, viewer: Account
) -> None:
    for n in range(6):
        add_counted(jctx, n, path="wrongdoing", acknowledged_on=dt.date(2026, 2, 12))
    login(client, viewer, clock)
    with client.get("/en/insights/2026/report") as response:
        assert response.status_code == 200
        page = response.get_data(as_text=True)
    assert "Annual report of the confidants 2026" in page
    assert "Median days to acknowledgement" in page and "<dd>2</dd>" in page
    with client.get("/nl/insights/2026/report") as response:
        page = response.get_data(as_text=True)
    assert "Jaarverslag van de vertrouwenspersonen 2026" in page
    assert "niet genoeg gevallen" in page  # no feedback day is recorded


def test_logged_out_is_refused(client: FlaskClient) -> None:
    for url in ("/en/insights/", "/en/insights/2026/category.csv"):
        with client.get(url) as response:  # no session: sent to the login page, nothing shown
            assert response.status_code == 302 and "/en/login" in response.headers["Location"]


def test_annual_report_as_pdf(
    jctx: CoreContext, client: FlaskClient, clock: Clock, viewer: Account
) -> None:

    from pypdf import PdfReader

    for n in range(7):
        add_counted(jctx, n)
    add_counted(jctx, 99, category="discrimination")  # a single case: must stay hidden
    login(client, viewer, clock)
    with client.get("/en/insights/2026/report.pdf") as response:
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        pdf = response.get_data()
    assert pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Conversations by category" in text
    assert "<5" in text  # the single discrimination case is hidden


def test_the_current_quarter_is_never_shown(
    jctx: CoreContext, client: FlaskClient, clock: Clock, viewer: Account
) -> None:
    # Today is 2027-01-15: 2026-Q4 ended 15 days ago (shown), 2027-Q1 is running.
    for n in range(7):
        add_counted(jctx, n, created_on=dt.date(2026, 11, 3))
    for n in range(7, 16):
        add_counted(jctx, n, created_on=dt.date(2027, 1, 10), category="aggression")
    login(client, viewer, clock)
    with client.get("/en/insights/?year=2027") as response:
        page = response.get_data(as_text=True)
    assert "2027-Q1" not in page and ">9<" not in page
    assert "the current quarter is never shown" in page
    with client.get("/en/insights/2027/category.csv") as response:
        assert response.get_data(as_text=True).splitlines()[0] == ",total"
    with client.get("/en/insights/2026/category.csv") as response:
        lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == ",2026-Q1,2026-Q2,2026-Q3,2026-Q4,total"
    assert lines[-1].endswith(",7")


def test_a_quarter_appears_only_after_the_delay() -> None:
    from kring.core.insights.tables import published_quarters

    assert published_quarters(2026, today=dt.date(2027, 1, 13), delay_days=14) == [
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
    ]
    assert published_quarters(2026, today=dt.date(2027, 1, 14), delay_days=14)[-1] == "2026-Q4"
    assert published_quarters(2026, today=dt.date(2026, 4, 13), delay_days=14) == []
    assert published_quarters(2026, today=dt.date(2026, 4, 14), delay_days=14) == ["2026-Q1"]
