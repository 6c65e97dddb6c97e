"""Bad input gets a clear 4xx page, never a 500, and never a half-stored submission."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from kring.core.context import CoreContext
from kring.core.models import Reporter
from tests.source_ui.conftest import csrf_from, get_codename, submit


def _nothing_stored(ctx: CoreContext) -> None:
    with ctx.sessions() as db:
        assert db.scalar(select(Reporter)) is None
    leftovers = [p for p in Path(ctx.store.root).rglob("*") if p.is_file()]
    assert leftovers == []


def test_oversized_submission_413_nothing_stored(
    client: FlaskClient, app, ctx: CoreContext, confidant_a: int
) -> None:
    ctx.settings = ctx.settings.__class__(
        **{**ctx.settings.__dict__, "max_submission_bytes": 200_000}
    )
    get_codename(client)
    status, page = submit(client, message="x", files=[("big.bin", b"a" * 300_000)])
    assert status == 413
    assert "too large" in page and "nothing was sent" in page
    _nothing_stored(ctx)


def test_empty_submission_shows_form_again(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    get_codename(client)
    status, page = submit(client, message="   ")
    assert status == 400
    assert "Write a message or add a file" in page and 'name="message"' in page
    _nothing_stored(ctx)


def test_ten_megabyte_message_refused(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    get_codename(client)
    status, page = submit(client, message="y" * 10_000_000)
    assert status == 413
    assert "Traceback" not in page
    _nothing_stored(ctx)


def test_message_over_char_limit_shows_form(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    get_codename(client)
    status, page = submit(client, message="y" * (ctx.settings.max_message_chars + 1))
    assert status == 413 and "too long" in page
    _nothing_stored(ctx)


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "dir/evil.txt", "a\\\\b.txt", "tab\there.txt", "nul\x01.txt"]
)
def test_bad_file_names(client: FlaskClient, ctx: CoreContext, confidant_a: int, name: str) -> None:
    get_codename(client)
    status, page = submit(client, message="x", files=[("ok.txt", b"fine"), (name, b"bad")])
    assert status == 400
    assert "file name is not allowed" in page
    _nothing_stored(ctx)


def test_unknown_confidant(client: FlaskClient, ctx: CoreContext, confidant_a: int) -> None:
    get_codename(client)
    status, page = submit(client, message="x", recipient="4242")
    assert status == 400 and "not available" in page
    status, page = submit(client, message="x", recipient="not-a-number")
    assert status == 400
    _nothing_stored(ctx)


def test_non_utf8_field(client: FlaskClient, ctx: CoreContext, confidant_a: int) -> None:
    get_codename(client)
    csrf = csrf_from(client.get("/en/submit").get_data(as_text=True))
    boundary = "XyZ"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="message"\r\n\r\n'
        ).encode()
        + b"\xff\xfe\xfa bad"
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        "/en/submit", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400
    _nothing_stored(ctx)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"garbage"),
        ("multipart/form-data; boundary=abc", b"--abc\r\nno headers here"),
        ("text/plain", b"message=hi"),
        (
            "multipart/form-data; boundary=abc",
            b'--abc\r\nContent-Disposition: form-data; name="message"\r\n\r\nhi',
        ),
    ],
)
def test_malformed_multipart(
    client: FlaskClient, ctx: CoreContext, confidant_a: int, content_type: str, body: bytes
) -> None:
    get_codename(client)
    response = client.post("/en/submit", data=body, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert "nothing was sent" in response.get_data(as_text=True)
    _nothing_stored(ctx)


def test_file_before_choice_fields_refused(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    get_codename(client)
    csrf = csrf_from(client.get("/en/submit").get_data(as_text=True))
    boundary = "B0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n'
        "Content-Type: text/plain\r\n\r\ndata\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    response = client.post(
        "/en/submit", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400
    _nothing_stored(ctx)


def test_missing_and_bad_csrf(client: FlaskClient, ctx: CoreContext, confidant_a: int) -> None:
    get_codename(client)
    status, page = submit(client, message="x", csrf="forged")
    assert status == 400 and "form has expired" in page
    _nothing_stored(ctx)
    login = client.post("/en/login", data={"codename": "a b c d e f g"})
    assert login.status_code == 400 and "form has expired" in login.get_data(as_text=True)


def test_expired_csrf(client: FlaskClient, app, ctx: CoreContext, confidant_a: int) -> None:
    get_codename(client)
    csrf = csrf_from(client.get("/en/submit").get_data(as_text=True))
    ctx.settings = dataclasses.replace(ctx.settings, csrf_time_limit_seconds=-1)
    status, page = submit(client, message="x", csrf=csrf)
    assert status == 400 and "form has expired" in page
    _nothing_stored(ctx)


def test_submit_without_session_answers_with_login(client: FlaskClient) -> None:
    response = client.post("/en/submit", data={"message": "x"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your session has ended" in page and 'name="codename"' in page


@pytest.mark.parametrize(
    ("codename", "status", "text"),
    [
        ("not a codename", 400, "seven words"),
        ("", 400, "seven words"),
        ("abacus abacus abacus abacus abacus abacus zzzzzz", 400, "Word 7 is not a codename word"),
        ("abacus abacus abacus abacus abacus abacus abacus", 403, "no conversation"),
        ("x" * 5000, 400, "seven words"),
    ],
)
def test_wrong_or_malformed_codename(
    client: FlaskClient, codename: str, status: int, text: str
) -> None:
    csrf = csrf_from(client.get("/en/login").get_data(as_text=True))
    response = client.post("/en/login", data={"codename": codename, "csrf_token": csrf})
    assert response.status_code == status
    assert text in response.get_data(as_text=True)


def test_login_throttled_per_codename(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    from sqlalchemy import update

    from kring.core.codenames.prefilter import prefilter_tag
    from kring.core.models import Reporter
    from kring.core.reporting import access, submission

    csrf = csrf_from(client.get("/en/login").get_data(as_text=True))
    codename = "abacus abacus abacus abacus abacus abacus abacus"
    # Another conversation whose pre-filter tag collides with this codename's, so
    # every attempt gets past the filter and costs derivations: those are limited.
    other, secrets_ = access.new_codename(ctx, "en")
    draft = submission.SubmissionDraft(ctx, secrets_)
    try:
        draft.choose(recipient=None, path=None, category=None)
        draft.set_message("x")
        draft.commit()
    finally:
        draft.discard()
    with ctx.sessions.begin() as db:
        db.execute(update(Reporter).values(prefilter_tag=prefilter_tag(codename, ctx.settings.lookup_salt)))
    statuses = [
        client.post("/en/login", data={"codename": codename, "csrf_token": csrf}).status_code
        for _ in range(ctx.settings.login_attempts_per_lookup_per_minute + 1)
    ]
    assert statuses[-1] == 429
    page = client.post("/en/login", data={"codename": codename, "csrf_token": csrf})
    assert "Wait a minute" in page.get_data(as_text=True)


def test_no_confidant_with_key(client: FlaskClient, ctx: CoreContext) -> None:
    get_codename(client)
    status, page = submit(client, message="x")
    assert status == 503 and "nothing was sent" in page
    _nothing_stored(ctx)


def test_gpg_failure_tells_reporter_not_sent(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    from kring.core.models import Confidant

    with ctx.sessions.begin() as db:
        confidant = db.get(Confidant, confidant_a)
        assert confidant is not None
        # A key gpg cannot use (as if it were missing from the server).
        confidant.public_key = (
            "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n"
        )
    get_codename(client)
    status, page = submit(client, message="secret", files=[("f.bin", b"z" * 100_000)])
    assert status == 503
    assert "NOT sent" in page
    _nothing_stored(ctx)


def test_unknown_language_and_page_404(client: FlaskClient) -> None:
    for url in ("/xx/", "/en/nope"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Page not found" in response.get_data(as_text=True)


def test_file_upload_elsewhere_is_refused_not_spooled(client: FlaskClient) -> None:
    """Outside the submit view a file part is refused before Werkzeug could spool it."""
    from kring_devkit.multipart import MultipartBody

    csrf = csrf_from(client.get("/en/login").get_data(as_text=True))
    body = MultipartBody(
        [("csrf_token", csrf), ("codename", "x")],
        [("f", "a.bin", 600_000, lambda: iter([b"q" * 600_000]))],
    )
    response = client.post("/en/login", data=body.read(), content_type=body.content_type)
    assert response.status_code in (400, 413)


def test_admin_upload_limit_applies_to_reporters(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    """The limit an admin sets in journalist_ui is the one reporters get."""
    from kring.core.instance_settings import current_options, save_options

    options = current_options(ctx)
    changed = dataclasses.replace(options, max_submission_mb=1, organisation_name="Voorbeeld BV")
    save_options(ctx, changed, actor="admin")
    get_codename(client)
    form = client.get("/en/submit").get_data(as_text=True)
    assert "up to 1 MB in total" in form
    assert "Voorbeeld BV" in form
    status, page = submit(client, message="x", files=[("big.bin", b"a" * 1_200_000)])
    assert status == 413
    assert "at most 1 MB" in page
    _nothing_stored(ctx)
