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


def _directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        if part.strip():
            name, *sources = part.split()
            parsed[name.lower()] = sources
    return parsed


def test_csp_a_browser_gets_forbids_scripts_and_other_origins(
    client: FlaskClient, confidant_a: int
) -> None:
    """What a browser enforces: no script of any kind, nothing from another origin,
    no framing, forms posting only here; on a page and on an error page alike."""
    get_codename(client)
    for url in ("/en/", "/en/nope"):
        with client.get(url) as response:
            policy = _directives(response.headers["Content-Security-Policy"])
        # Scripts fall back to default-src; nothing may widen them.
        assert policy["default-src"] == ["'none'"], url
        assert "script-src" not in policy and "script-src-elem" not in policy, url
        assert "worker-src" not in policy and "connect-src" not in policy, url
        # Every source anywhere is this origin or nothing: no host, scheme or unsafe-*.
        for name, sources in policy.items():
            assert set(sources) <= {"'self'", "'none'"}, (url, name, sources)
        assert policy["frame-ancestors"] == ["'none'"], url
        assert policy["base-uri"] == ["'none'"], url
        assert policy["form-action"] == ["'self'"], url


def test_no_script_and_no_other_origin(client: FlaskClient, confidant_a: int) -> None:
    get_codename(client)
    for url in _pages(client):
        with client.get(url) as response:
            html = response.get_data(as_text=True)
        assert "<script" not in html.lower(), url
        assert not re.search(r"\son[a-z]+\s*=", html), url
        assert not re.search(r"(src|href|action)=\"(https?:)?//", html), url
        assert "style=" not in html, url
