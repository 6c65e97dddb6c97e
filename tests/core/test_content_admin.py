"""The admin editor (kring/journalist_ui/content_admin.py) on a minimal host app.

journalist_ui's own factory did not exist when this was written; the host
app here wires what that factory wires (security headers, i18n, CSRF, the
core context) and mounts the editor with ``register_content_admin``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf.csrf import CSRFProtect

from kring.core import content
from kring.core.context import CoreContext
from kring.devtools.multipart import MultipartBody
from kring.journalist_ui import content_admin
from kring.journalist_ui.content_admin import register_content_admin
from kring.web.i18n import install_i18n
from kring.web.security import install_security
from tests.source_ui.info_fixtures import SECRET_EXIF_TEXT, add_keyless_confidant, jpeg_with_exif

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def _host(ctx: CoreContext, guard: Callable[[Any], Any] | None) -> Flask:
    app = Flask("journalist_test")
    app.config.update(SECRET_KEY="test", TESTING=True)
    app.extensions["kring"] = ctx
    install_security(app)
    install_i18n(app, "en")
    CSRFProtect(app)
    register_content_admin(app, require_admin=guard)
    return app


@pytest.fixture
def admin(ctx: CoreContext) -> FlaskClient:
    """An admin's browser (the guard lets everyone in: the host app's job)."""
    return _host(ctx, lambda view: view).test_client()


def _csrf(client: FlaskClient, url: str) -> str:
    with client.get(url) as page:
        match = CSRF_RE.search(page.get_data(as_text=True))
    assert match
    return match.group(1)


def test_without_an_admin_guard_everything_is_refused(
    ctx: CoreContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(content_admin, "find_admin_guard", lambda: None)
    client = _host(ctx, None).test_client()
    for url in (
        "/en/admin/content/",
        "/en/admin/content/pages/position/en",
        "/en/admin/content/conduct/new",
    ):
        with client.get(url) as response:
            assert response.status_code == 403


def test_edit_preview_then_publish_a_page(admin: FlaskClient, ctx: CoreContext) -> None:
    with admin.get("/en/admin/content/") as page:
        html = page.get_data(as_text=True)
    assert "position" in html and "Code of conduct" in html
    url = "/en/admin/content/pages/bullying/nl"
    token = _csrf(admin, url)
    form = {
        "csrf_token": token,
        "title": "Pesten",
        "summary": "Kort",
        "kind": "topic",
        "body_md": "Nieuw **vet** <script>alert(1)</script> [x](javascript:alert(1))",
    }
    with admin.post(url, data={**form, "action": "preview"}) as preview:
        html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "<strong>vet</strong>" in html and "<script>alert" not in html
    assert 'href="javascript' not in html
    # A preview stores nothing.
    assert "Nieuw" not in content.get_page(ctx, "bullying", "nl").html
    with admin.post(url, data={**form, "action": "publish"}) as published:
        assert published.status_code == 302
    page_view = content.get_page(ctx, "bullying", "nl")
    assert "<strong>vet</strong>" in page_view.html and "<script" not in page_view.html


def test_bad_page_input_is_a_400_with_reason(admin: FlaskClient) -> None:
    url = "/en/admin/content/pages/position/en"
    token = _csrf(admin, url)
    with admin.post(
        url,
        data={
            "csrf_token": token,
            "title": "",
            "body_md": "x",
            "kind": "page",
            "action": "publish",
        },
    ) as response:
        assert response.status_code == 400
        assert "A title of 1 to 200 characters is required." in response.get_data(as_text=True)
    with admin.get("/en/admin/content/pages/..%2fx/en") as response:
        assert response.status_code == 404


def test_new_conduct_version_asks_for_a_change_summary(
    admin: FlaskClient, ctx: CoreContext
) -> None:
    url = "/en/admin/content/conduct/new"
    with admin.get(url) as page:
        html = page.get_data(as_text=True)
    assert "This becomes version 2." in html
    token = CSRF_RE.search(html).group(1)  # type: ignore[union-attr]
    form = {
        "csrf_token": token,
        "en_title": "Code of conduct",
        "en_body_md": "New rules.",
        "en_change_summary": "",
        "nl_title": "",
        "nl_body_md": "",
        "nl_change_summary": "",
        "action": "publish",
    }
    with admin.post(url, data=form) as refused:
        assert refused.status_code == 400
        assert "Say what changed in this version" in refused.get_data(as_text=True)
    assert content.latest_conduct_number(ctx) == 1
    with admin.post(url, data={**form, "en_change_summary": "Shorter."}) as done:
        assert done.status_code == 302
    assert content.conduct_version(ctx, "en").change_summary == "Shorter."


def _upload(client: FlaskClient, confidant_id: int, kind: str, name: str, data: bytes) -> Any:
    url = f"/en/admin/content/confidants/{confidant_id}"
    token = _csrf(client, url)
    body = MultipartBody(
        [("csrf_token", token), ("kind", kind)],
        [("file", name, len(data), lambda: iter([data]))],
    )
    return client.post(url + "/media", data=body.read(), content_type=body.content_type)


def test_profile_edit_and_photo_upload_strips_metadata(
    admin: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    url = f"/en/admin/content/confidants/{confidant_a}"
    token = _csrf(admin, url)
    with admin.post(
        url,
        data={
            "csrf_token": token,
            "is_external": "yes",
            "languages": "nl, en",
            "en_role": "External confidant",
            "en_records_md": "Day only.",
            "action": "publish",
        },
    ) as saved:
        assert saved.status_code == 302
    with _upload(admin, confidant_a, "photo", "me.jpg", jpeg_with_exif()) as response:
        assert response.status_code == 302
    profile = content.get_profile(ctx, confidant_a, "nl")
    assert profile.is_external and profile.languages == ("nl", "en")
    assert profile.role == "External confidant" and profile.photo
    assert SECRET_EXIF_TEXT.encode() not in content.media_file(ctx, profile.photo)[0].read_bytes()


def test_bad_uploads_are_refused_with_reason(
    admin: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    with _upload(admin, confidant_a, "photo", "me.jpg", b"%PDF-1.4 not an image") as response:
        assert response.status_code == 400
        assert "not a JPEG, PNG, WebP or GIF image" in response.get_data(as_text=True)
    with _upload(admin, confidant_a, "intro", "intro.mp4", b"RIFF\0\0\0\0AVI " + b"\0" * 100) as r:
        assert r.status_code == 400
        assert "must be Ogg, WebM, MP4 or MP3" in r.get_data(as_text=True)
    with _upload(admin, confidant_a, "photo", "big.jpg", b"\xff\xd8" + b"\0" * 10_000_001) as r:
        assert r.status_code == 413
    assert content.list_media(ctx) == []
    assert [p for p in (ctx.settings.instance_dir / "media").iterdir()] == []


def test_upload_without_valid_csrf_is_refused(admin: FlaskClient, confidant_a: int) -> None:
    body = MultipartBody(
        [("csrf_token", "forged"), ("kind", "photo")],
        [("file", "me.jpg", 3, lambda: iter([b"abc"]))],
    )
    with admin.post(
        f"/en/admin/content/confidants/{confidant_a}/media",
        data=body.read(),
        content_type=body.content_type,
    ) as response:
        assert response.status_code == 400
    assert content.list_media(ctx := admin.application.extensions["kring"]) == []
    del ctx


def test_keyless_confidant_is_marked_in_the_editor(admin: FlaskClient, ctx: CoreContext) -> None:
    add_keyless_confidant(ctx)
    with admin.get("/en/admin/content/") as page:
        assert "no public key: shown to reporters, but cannot be chosen" in page.get_data(
            as_text=True
        )


def test_real_journalist_factory_mounts_the_editor_behind_login(ctx: CoreContext) -> None:
    from kring.journalist_ui import create_app

    app = create_app(ctx.settings, context=ctx)
    assert any(r.endpoint.startswith("content_admin.") for r in app.url_map.iter_rules())
    client = app.test_client()
    for url in ("/en/admin/content/", "/nl/admin/content/conduct/new"):
        with client.get(url) as response:  # a first visit is sent to the login page
            assert response.status_code in (302, 401, 403), url
            if response.status_code == 302:
                assert "/login" in response.headers["Location"], url
            assert "Code of conduct" not in response.get_data(as_text=True)
