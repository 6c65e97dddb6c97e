"""The statistics and the annual report (HTML and PDF) in Spanish: words, numbers, quarters."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from flask.testing import FlaskClient

from kring.core.context import CoreContext
from tests.journalist_ui.conftest import Account, Clock, login
from tests.journalist_ui.test_insights import add_counted, viewer  # noqa: F401


@pytest.fixture
def logged_in_viewer(
    jctx: CoreContext,
    client: FlaskClient,
    clock: Clock,
    viewer: Account,  # noqa: F811
) -> FlaskClient:
    """A viewer's browser; six reports of wrongdoing with a median of 2.5 days to receipt."""
    # Acknowledged after 2 days three times and after 3 days three times: median 2.5.
    for n in range(6):
        day = 12 if n < 3 else 13
        add_counted(jctx, n, path="wrongdoing", acknowledged_on=dt.date(2026, 2, day))
    login(client, viewer, clock)
    return client


def test_annual_report_in_spanish(logged_in_viewer: FlaskClient) -> None:
    client = logged_in_viewer
    with client.get("/es/insights/2026/report") as response:
        assert response.status_code == 200
        page = response.get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Informe anual de las personas de confianza 2026" in page
    assert "Mediana de días hasta el acuse de recibo" in page
    assert "<dd>2,5</dd>" in page  # a decimal comma, not "2.5"
    assert '<th scope="col">T1 2026</th>' in page and "2026-Q1" not in page
    assert "no hay casos suficientes" in page  # no feedback day is recorded
    with client.get("/es/insights/?year=2026") as response:
        overview = response.get_data(as_text=True)
    assert "<strong>Español</strong>" in overview and "Estadísticas 2026" in overview
    # The same figure in English keeps its decimal point and English quarters.
    with client.get("/en/insights/2026/report") as response:
        english = response.get_data(as_text=True)
    assert "<dd>2.5</dd>" in english and '<th scope="col">Q1 2026</th>' in english


def test_annual_report_pdf_in_spanish(logged_in_viewer: FlaskClient) -> None:
    from pypdf import PdfReader

    client = logged_in_viewer
    with client.get("/es/insights/2026/report.pdf") as response:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        pdf = response.get_data()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Informe anual de las personas de confianza, 2026" in text and "(borrador)" in text
    assert "Conversaciones por categoría" in text
    assert "T1 2026" in text and "2026-Q1" not in text
    assert "recibo de una denuncia de irregularidades: 2,5" in text


def test_trend_chart_names_quarters_in_spanish(logged_in_viewer: FlaskClient) -> None:
    client = logged_in_viewer
    with client.get("/es/insights/2026/trend.svg") as response:
        svg = response.get_data(as_text=True)
    assert "T1 2026" in svg and "T4 2026" in svg
    assert "Conversaciones contadas por trimestre, 2026" in svg


def test_confidants_login_page_in_spanish(client: FlaskClient) -> None:
    with client.get("/es/login") as response:
        page = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="es">' in page
    assert "Iniciar sesión" in page and "<strong>Español</strong>" in page
    assert 'href="/en/login"' in page and 'href="/nl/login"' in page
