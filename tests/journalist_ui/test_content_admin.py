"""The admin editor (kring/journalist_ui/content_admin.py) in the real confidants' app.

Every test logs in through the real login form (password and TOTP) as an
enrolled admin; a confidant who is not an admin, an insights viewer and a
browser without a session are refused.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from kring.core.accounts import records
from kring.core.content import conduct, library, pages, profiles
from kring.core.context import CoreContext
from kring_devkit.multipart import MultipartBody
from tests.journalist_ui.conftest import Account, Clock, csrf, csrf_from, login, make_account
from tests.source_ui.info_fixtures import SECRET_EXIF_TEXT, add_keyless_confidant, jpeg_with_exif

EDITOR_URLS = (
    "/en/admin/content/",
    "/en/admin/content/pages/position/en",
    "/nl/admin/content/conduct/new",
)


@pytest.fixture
def editor(client: FlaskClient, admin: Account, clock: Clock) -> FlaskClient:
    """An enrolled admin's browser, logged in through the form."""
    login(client, admin, clock)
    return client


def _csrf(client: FlaskClient, url: str) -> str:
    return csrf(client, url)


def test_a_confidant_who_is_not_an_admin_is_refused(
    client: FlaskClient, bart: Account, clock: Clock
) -> None:
    login(client, bart, clock)
    for url in EDITOR_URLS:
        with client.get(url) as response:
            assert response.status_code == 403, url
            assert "Code of conduct" not in response.get_data(as_text=True)
    token = csrf(client, "/en/")
    with client.post(
        "/en/admin/content/pages/position/en",
        data={"csrf_token": token, "title": "Taken over", "body_md": "x", "kind": "page",
              "action": "publish"},
    ) as response:  # fmt: skip
        assert response.status_code == 403
    with client.post(
        f"/en/admin/content/confidants/{bart.id}/media", data={"csrf_token": token}
    ) as response:
        assert response.status_code == 403
    assert "Taken over" not in pages.get_page(client.application.extensions["kring"], 
                                                "position", "en").html  # fmt: skip


def test_an_insights_viewer_is_refused(
    client: FlaskClient, jctx: CoreContext, clock: Clock
) -> None:
    viewer = make_account(jctx, clock, "iris", role=records.Role.INSIGHTS)
    login(client, viewer, clock)
    for url in EDITOR_URLS:
        with client.get(url) as response:
            assert response.status_code == 403, url
            assert "Code of conduct" not in response.get_data(as_text=True)


def test_without_a_session_the_editor_sends_to_the_login_page(client: FlaskClient) -> None:
    for url in EDITOR_URLS:
        with client.get(url) as response:
            assert response.status_code == 302, url
            assert "/login" in response.headers["Location"], url
    with client.post("/en/admin/content/confidants/1/media", data={}) as response:
        assert response.status_code in (400, 401)


def test_an_unknown_language_is_a_404(editor: FlaskClient) -> None:
    with editor.get("/xx/admin/content/") as response:
        assert response.status_code == 404


def test_the_editor_is_a_confidants_page(editor: FlaskClient) -> None:
    """The confidants' stylesheet, navigation (with the editor in it) and logout."""
    with editor.get("/en/admin/content/") as page:
        html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "journalist.css" in html
    assert 'href="/en/admin/accounts"' in html and 'href="/en/admin/content/"' in html
    assert 'action="/en/logout"' in html and "Log out" in html
    assert "<title>Information for reporters" in html


def test_edit_preview_then_publish_a_page(editor: FlaskClient, ctx: CoreContext) -> None:
    with editor.get("/en/admin/content/") as page:
        html = page.get_data(as_text=True)
    assert "position" in html and "Code of conduct" in html
    url = "/en/admin/content/pages/bullying/nl"
    token = _csrf(editor, url)
    form = {
        "csrf_token": token,
        "title": "Pesten",
        "summary": "Kort",
        "kind": "topic",
        "body_md": "Nieuw **vet** <script>alert(1)</script> [x](javascript:alert(1))",
    }
    with editor.post(url, data={**form, "action": "preview"}) as preview:
        html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "<strong>vet</strong>" in html and "<script>alert" not in html
    assert 'href="javascript' not in html
    # A preview stores nothing.
    assert "Nieuw" not in pages.get_page(ctx, "bullying", "nl").html
    with editor.post(url, data={**form, "action": "publish"}) as published:
        assert published.status_code == 302
    page_view = pages.get_page(ctx, "bullying", "nl")
    assert "<strong>vet</strong>" in page_view.html and "<script" not in page_view.html


def test_bad_page_input_is_a_400_with_reason(editor: FlaskClient) -> None:
    url = "/en/admin/content/pages/position/en"
    token = _csrf(editor, url)
    with editor.post(
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
    with editor.get("/en/admin/content/pages/..%2fx/en") as response:
        assert response.status_code == 404


def test_new_conduct_version_asks_for_a_change_summary(
    editor: FlaskClient, ctx: CoreContext
) -> None:
    url = "/en/admin/content/conduct/new"
    with editor.get(url) as page:
        html = page.get_data(as_text=True)
    assert "This becomes version 2." in html
    token = csrf_from(html)
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
    with editor.post(url, data=form) as refused:
        assert refused.status_code == 400
        assert "Say what changed in this version" in refused.get_data(as_text=True)
    assert conduct.latest_conduct_number(ctx) == 1
    with editor.post(url, data={**form, "en_change_summary": "Shorter."}) as done:
        assert done.status_code == 302
    assert conduct.conduct_version(ctx, "en").change_summary == "Shorter."


def _upload(client: FlaskClient, confidant_id: int, kind: str, name: str, data: bytes) -> Any:
    url = f"/en/admin/content/confidants/{confidant_id}"
    token = _csrf(client, url)
    body = MultipartBody(
        [("csrf_token", token), ("kind", kind)],
        [("file", name, len(data), lambda: iter([data]))],
    )
    return client.post(url + "/media", data=body.read(), content_type=body.content_type)


def test_profile_edit_and_photo_upload_strips_metadata(
    editor: FlaskClient, ctx: CoreContext, admin: Account
) -> None:
    url = f"/en/admin/content/confidants/{admin.id}"
    token = _csrf(editor, url)
    with editor.post(
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
    with _upload(editor, admin.id, "photo", "me.jpg", jpeg_with_exif()) as response:
        assert response.status_code == 302
    profile = profiles.get_profile(ctx, admin.id, "nl")
    assert profile.is_external and profile.languages == ("nl", "en")
    assert profile.role == "External confidant" and profile.photo
    assert SECRET_EXIF_TEXT.encode() not in library.media_file(ctx, profile.photo)[0].read_bytes()


def test_bad_uploads_are_refused_with_reason(
    editor: FlaskClient, ctx: CoreContext, admin: Account
) -> None:
    with _upload(editor, admin.id, "photo", "me.jpg", b"%PDF-1.4 not an image") as response:
        assert response.status_code == 400
        assert "not a JPEG, PNG, WebP or GIF image" in response.get_data(as_text=True)
    with _upload(editor, admin.id, "intro", "intro.mp4", b"RIFF\0\0\0\0AVI " + b"\0" * 100) as r:
        assert r.status_code == 400
        assert "must be Ogg, WebM, MP4 or MP3" in r.get_data(as_text=True)
    with _upload(editor, admin.id, "photo", "big.jpg", b"\xff\xd8" + b"\0" * 10_000_001) as r:
        assert r.status_code == 413
    assert library.list_media(ctx) == []
    assert [p for p in (ctx.settings.instance_dir / "media").iterdir()] == []


def test_a_photo_is_removed_and_an_unknown_kind_refused(
    editor: FlaskClient, ctx: CoreContext, admin: Account
) -> None:
    with _upload(editor, admin.id, "photo", "me.jpg", jpeg_with_exif()) as response:
        assert response.status_code == 302
    assert profiles.get_profile(ctx, admin.id, "en").photo
    with _upload(editor, admin.id, "banner", "me.jpg", jpeg_with_exif()) as refused:
        assert refused.status_code == 400
        assert "The upload could not be read. Nothing was stored." in refused.get_data(as_text=True)
    url = f"/en/admin/content/confidants/{admin.id}"
    body = MultipartBody(
        [("csrf_token", _csrf(editor, url)), ("kind", "photo"), ("remove", "yes")], []
    )
    with editor.post(url + "/media", data=body.read(), content_type=body.content_type) as done:
        assert done.status_code == 302
    with editor.get(url) as page:
        assert "Removed." in page.get_data(as_text=True)
    assert not profiles.get_profile(ctx, admin.id, "en").photo


def test_upload_without_valid_csrf_is_refused(
    editor: FlaskClient, admin: Account, jctx: CoreContext
) -> None:
    body = MultipartBody(
        [("csrf_token", "forged"), ("kind", "photo")],
        [("file", "me.jpg", 3, lambda: iter([b"abc"]))],
    )
    with editor.post(
        f"/en/admin/content/confidants/{admin.id}/media",
        data=body.read(),
        content_type=body.content_type,
    ) as response:
        assert response.status_code == 400
    assert library.list_media(jctx) == []


def test_keyless_confidant_is_marked_in_the_editor(editor: FlaskClient, ctx: CoreContext) -> None:
    add_keyless_confidant(ctx)
    with editor.get("/en/admin/content/") as page:
        assert "no public key: shown to reporters, but cannot be chosen" in page.get_data(
            as_text=True
        )
