"""Admins edit the Spanish information pages and code of conduct through the editor."""

from __future__ import annotations

from flask.testing import FlaskClient

from kring.core.content import conduct, pages
from kring.core.context import CoreContext
from tests.journalist_ui.conftest import csrf_from
from tests.journalist_ui.test_content_admin import _csrf, editor  # noqa: F401


def test_spanish_page_is_edited_and_published(editor: FlaskClient, ctx: CoreContext) -> None:  # noqa: F811
    with editor.get("/en/admin/content/") as page:
        assert "/en/admin/content/pages/bullying/es" in page.get_data(as_text=True)
    url = "/en/admin/content/pages/bullying/es"
    form = {
        "csrf_token": _csrf(editor, url),
        "title": "Acoso laboral",
        "summary": "Breve.",
        "kind": "topic",
        "body_md": "Texto **nuevo** para el equipo.",
        "action": "publish",
    }
    with editor.post(url, data=form) as published:
        assert published.status_code == 302
    page = pages.get_page(ctx, "bullying", "es")
    assert "<strong>nuevo</strong>" in page.html and not page.is_fallback


def test_conduct_editor_has_a_spanish_part(
    editor: FlaskClient,  # noqa: F811
    ctx: CoreContext,
) -> None:
    url = "/en/admin/content/conduct/new"
    with editor.get(url) as page:
        html = page.get_data(as_text=True)
    assert "Español (optional: English is shown where it is missing)" in html
    assert "Nederlands (optional: English is shown where it is missing)" in html
    assert 'name="es_body_md"' in html
    token = csrf_from(html)
    spanish = conduct.conduct_source(ctx, 1, "es")
    assert spanish is not None
    form = {
        "csrf_token": token,
        "en_title": "Code of conduct",
        "en_body_md": "New rules.",
        "en_change_summary": "Shorter.",
        "nl_title": "",
        "nl_body_md": "",
        "nl_change_summary": "",
        "es_title": "Código de conducta",
        "es_body_md": "Normas nuevas.",
        "es_change_summary": "Más corto.",
        "action": "publish",
    }
    with editor.post(url, data=form) as done:
        assert done.status_code == 302
    current = conduct.conduct_version(ctx, "es")
    assert current.number == 2 and current.change_summary == "Más corto."
    assert not current.is_fallback
    # The Dutch readers, with no Dutch text for version 2, get the English.
    assert conduct.conduct_version(ctx, "nl").is_fallback
