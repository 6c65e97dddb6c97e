"""Fixtures for the reporters' app: a real app on a real instance, test client helpers."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kring.core.context import CoreContext
from kring.source_ui import create_app
from kring_devkit.multipart import MultipartBody

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
CODENAME_RE = re.compile(r'<p class="codename"[^>]*>(.*?)</p>', re.S)


@pytest.fixture
def app(ctx: CoreContext) -> Flask:
    """The source app on this test's instance."""
    application = create_app(ctx.settings, context=ctx)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser without JavaScript, as far as the server can tell."""
    return app.test_client()


def csrf_from(html: str) -> str:
    """The CSRF token in a rendered form."""
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in page"
    return match.group(1)


def get_codename(client: FlaskClient, lang: str = "en") -> str:
    """Ask for a codename the way a reporter does, and return it."""
    page = client.get(f"/{lang}/codename")
    assert page.status_code == 200
    match = CODENAME_RE.search(page.get_data(as_text=True))
    assert match
    return " ".join(re.findall(r"<span>([a-z-]+)</span>", match.group(1)))


def submit(
    client: FlaskClient,
    *,
    message: str = "",
    files: Sequence[tuple[str, bytes]] = (),
    recipient: str | None = "all",
    path: str = "just_talk",
    category: str = "",
    lang: str = "en",
    csrf: str | None = None,
    counted: str | None = None,
    unit: str | None = None,
) -> tuple[int, str]:
    """POST a submission as a browser would (fields in the form's order)."""
    if csrf is None:
        page = client.get(f"/{lang}/submit", follow_redirects=True)
        csrf = csrf_from(page.get_data(as_text=True))
    # Built like a browser builds it (Werkzeug's test client omits the CRLF
    # after an empty field, which real browsers always send).
    fields = [("csrf_token", csrf)]
    if recipient is not None:
        fields.append(("recipient", recipient))
    fields += [("path", path), ("category", category)]
    if counted is not None:
        fields.append(("counted", counted))
    if unit is not None:
        fields.append(("unit", unit))
    fields.append(("message", message))
    parts = [
        ("files", name, len(content), (lambda c=content: iter([c]) if c else iter([])))
        for name, content in files
    ] or [("files", "", 0, lambda: iter([]))]
    body = MultipartBody(fields, parts)
    response = client.post(f"/{lang}/submit", data=body.read(), content_type=body.content_type)
    return response.status_code, response.get_data(as_text=True)
