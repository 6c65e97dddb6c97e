"""Every response carries the security headers; pages hold no script and nothing foreign."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from kring.web.security import CONTENT_SECURITY_POLICY
from tests.source_ui.conftest import get_codename, submit

EXPECTED = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def _pages(client: FlaskClient) -> list[str]:
    return [
        "/en/",
        "/nl/",
        "/en/login",
        "/nl/login",
        "/en/codename",
        "/en/submit",
        "/en/delete",
        "/en/nope",
        "/static/kring.css",
    ]


def test_security_headers_everywhere(client: FlaskClient, confidant_a: int) -> None:
    get_codename(client)
    for url in _pages(client):
        with client.get(url) as response:
            for name, value in EXPECTED.items():
                assert response.headers.get(name) == value, (url, name)
            assert "Server" not in response.headers
    status, _ = submit(client, message="hello")
    response = client.get("/en/conversation")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_csp_is_exact() -> None:
    assert CONTENT_SECURITY_POLICY == (
        "default-src 'none'; style-src 'self'; img-src 'self'; media-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


def test_no_script_and_no_other_origin(client: FlaskClient, confidant_a: int) -> None:
    get_codename(client)
    for url in _pages(client):
        with client.get(url) as response:
            html = response.get_data(as_text=True)
        assert "<script" not in html.lower(), url
        assert not re.search(r"\son[a-z]+\s*=", html), url
        assert not re.search(r"(src|href|action)=\"(https?:)?//", html), url
        assert "style=" not in html, url
