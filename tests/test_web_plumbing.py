"""The web layer both apps are built on: one core accessor, one language check.

Both apps are built for real on this test's instance (real SQLite, real
settings) and driven with Flask's test client.
"""

from __future__ import annotations

import pytest
from flask import Flask

from kring import journalist_ui, source_ui
from kring.core.context import CoreContext
from kring.web.context import core


@pytest.fixture(params=["source_ui", "journalist_ui"])
def app(request: pytest.FixtureRequest, ctx: CoreContext) -> Flask:
    """Each app in turn, on this test's instance."""
    factory = source_ui.create_app if request.param == "source_ui" else journalist_ui.create_app
    application = factory(ctx.settings, context=ctx)
    application.config["TESTING"] = True
    return application


def test_views_reach_the_context_the_app_was_built_with(app: Flask, ctx: CoreContext) -> None:
    with app.test_request_context("/en/"):
        assert core() is ctx


@pytest.mark.parametrize("path", ["/xx/", "/de/login", "/xx/admin/content/", "/zz/codename"])
def test_an_unknown_language_is_a_404_page(app: Flask, path: str) -> None:
    with app.test_client().get(path) as response:
        assert response.status_code == 404
        html = response.get_data(as_text=True)
    assert "<!doctype html>" in html.lower() and "Traceback" not in html


def test_an_unknown_language_is_a_404_before_the_csrf_check(app: Flask) -> None:
    """A form posted to /xx/ gets the same 404 as a page there, not a 400 about the form."""
    for path in ("/xx/login", "/xx/submit", "/xx/admin/accounts"):
        with app.test_client().post(path, data={"anything": "1"}) as response:
            assert response.status_code == 404, path


def test_both_apps_have_strict_session_cookies_and_expiring_forms(app: Flask) -> None:
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Strict"
    assert app.config["WTF_CSRF_TIME_LIMIT"] > 0
    assert app.config["TEMPLATES_AUTO_RELOAD"] is False
    assert app.config["SESSION_COOKIE_NAME"] in ("kring_source", "kring_journalist")


# The views that read their own streamed body and check its token once it has arrived
# (AppSpec.streaming_views); every other form is checked before its view runs.
STREAMING_VIEWS = {"source.submit_post", "content_admin.upload_media"}


def test_every_form_but_the_streaming_uploads_is_refused_without_its_token(app: Flask) -> None:
    """A POST with no CSRF token is the 'form has expired' page at every endpoint."""
    adapter = app.url_map.bind("localhost")
    checked, streaming = [], set()
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or set()):
            continue
        if rule.endpoint in STREAMING_VIEWS:
            streaming.add(rule.endpoint)
            continue
        values = {name: "en" if name == "lang" else "1" for name in rule.arguments}
        path = adapter.build(rule.endpoint, values, method="POST")
        with app.test_client().post(path, data={"anything": "1"}) as response:
            html = response.get_data(as_text=True)
            assert response.status_code == 400, path
        assert "This form has expired" in html, path
        checked.append(path)
    assert len(checked) >= 3
    assert len(streaming) == 1  # each app has one upload that streams
