"""Reading leaves no trace: no cookie, no write, no log, nothing from another origin.

Walks every reporter page in both languages (every information page, every
topic, every code-of-conduct version, every confidant profile, and the pages
of the reporter flow that come before a conversation exists).
"""

from __future__ import annotations

import hashlib
import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from kring.core.content import conduct as content_conduct
from kring.core.content import library, profiles
from kring.core.content import pages as content_pages
from kring.core.context import CoreContext
from kring.web.security import CONTENT_SECURITY_POLICY
from tests.source_ui.info_fixtures import (
    add_keyless_confidant,
    ffmpeg_present,
    give_profile,
    make_media,
)

URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "poster",
    "srcset",
    "data",
    "formaction",
    "cite",
    "background",
    "longdesc",
    "manifest",
    "ping",
}


class _Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.links: list[str] = []
        self.resources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "frame", "base", "meta") and not (
            tag == "meta" and dict(attrs).get("http-equiv") is None
        ):
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"handler {name} on <{tag}>")
            if name == "style":
                self.problems.append(f"inline style on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                if not _same_origin(value):
                    self.problems.append(f"{name}={value!r} on <{tag}>")
                elif tag == "a":
                    self.links.append(value)
                else:
                    self.resources.append(value)
        if tag == "video" or tag == "audio":
            if "autoplay" in dict(attrs):
                self.problems.append("autoplay")
            if "controls" not in dict(attrs):
                self.problems.append("media without controls")


def _same_origin(url: str) -> bool:
    url = url.strip()
    return (
        url.startswith(("/", "#", "?"))
        and not url.startswith("//")
        or not re.match(r"^[a-z][a-z0-9+.\-]*:|^//", url, re.I)
    )


def _fingerprint(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def reporter_pages(ctx: CoreContext) -> list[str]:
    """Every page a reporter can read before starting a conversation, in every language."""
    urls = []
    for lang in ("en", "nl", "es"):
        urls += [
            f"/{lang}/",
            f"/{lang}/info/",
            f"/{lang}/info/code-of-conduct",
            f"/{lang}/info/code-of-conduct/history",
            f"/{lang}/confidants/",
            f"/{lang}/login",
        ]
        urls += [f"/{lang}/info/{p.slug}" for p in content_pages.list_pages(ctx, lang)]
        urls += [
            f"/{lang}/info/code-of-conduct/{v.number}" for v in content_conduct.conduct_history(ctx, lang)
        ]
        urls += [f"/{lang}/confidants/{p.confidant_id}" for p in profiles.list_profiles(ctx, lang)]
    return urls


@pytest.fixture
def furnished(ctx: CoreContext, confidant_a: int, tmp_path: Path) -> CoreContext:
    """An instance with a profile (photo, audio intro) and a keyless confidant."""
    give_profile(ctx, confidant_a)
    if ffmpeg_present():
        audio = make_media(
            tmp_path,
            "intro.ogg",
            ["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "libopus"],
        )
        profiles.set_profile_media(ctx, confidant_a, intro=library.store_audio_video(ctx, audio))
    give_profile(ctx, add_keyless_confidant(ctx), with_photo=False)
    source = content_conduct.conduct_source(ctx, 1, "en")
    assert source is not None
    content_conduct.publish_conduct_version(
        ctx,
        {
            "en": content_conduct.ConductDraft(
                "Code of conduct", source.body_md + "\n\nA new closing line.\n", "A closing line."
            )
        },
    )
    return ctx


def test_every_reporter_page_is_traceless(
    client: FlaskClient, furnished: CoreContext, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = furnished
    instance = ctx.settings.instance_dir
    ctx.engine.dispose()  # settle the WAL so the fingerprint compares like with like
    before = _fingerprint(instance)
    pages = reporter_pages(ctx)
    assert len(pages) >= 2 * 16
    resources: set[str] = set()
    caplog.set_level(logging.INFO)
    for url in pages:
        with client.get(url) as response:
            assert response.status_code == 200, url
            # The login form carries a CSRF token, which needs a session: coming
            # back with a codename is where the reporter's session starts.
            if not url.endswith("/login"):
                assert "Set-Cookie" not in response.headers, url
            assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
            assert response.headers["Cache-Control"] == "no-store"
            html = response.get_data(as_text=True)
        assert "<script" not in html.lower(), url
        assert not re.search(r"(?i)\b(?:https?:)?//[a-z0-9]", html), url
        audit = _Audit()
        audit.feed(html)
        assert audit.problems == [], (url, audit.problems)
        resources.update(audit.resources)
        for link in audit.links:
            assert link.startswith(("/", "#")) or not re.match(r"^[a-z]+:", link), link
    assert any(r.startswith("/media/") for r in resources)
    for resource in sorted(resources):
        with client.get(resource) as response:
            assert response.status_code == 200, resource
            assert "Set-Cookie" not in response.headers
            assert response.headers["Cache-Control"] == "no-store", resource
            body = response.get_data()
            if resource.endswith(".css"):
                css = body.decode()
                assert "@import" not in css
                for url in re.findall(r"url\(([^)]*)\)", css):
                    assert _same_origin(url.strip("'\" ")), url
                assert not re.search(r"(?i)(?:https?:)?//[a-z0-9]", css)
    # Nothing was written anywhere in the instance (no counter, no log, no row)...
    ctx.engine.dispose()
    assert _fingerprint(instance) == before
    # ...and nothing was logged.
    assert [r for r in caplog.records if r.name.startswith(("kring", "werkzeug"))] == []


def test_media_is_served_by_the_app_with_no_store(
    client: FlaskClient, furnished: CoreContext
) -> None:
    profile = profiles.list_profiles(furnished, "en")[0]
    assert profile.photo
    with client.get(f"/media/{profile.photo}") as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["Cache-Control"] == "no-store"
        assert "ETag" not in response.headers
    if profile.intro_media:
        with client.get(f"/media/{profile.intro_media}", headers={"Range": "bytes=0-9"}) as r:
            assert r.status_code == 206 and len(r.get_data()) == 10
            assert r.headers["Cache-Control"] == "no-store"
        with client.get(f"/en/confidants/{profile.confidant_id}") as page:
            html = page.get_data(as_text=True)
        assert '<audio controls preload="none"' in html and "autoplay" not in html
        assert "Hello, I am a confidant." in html
