"""A reporter never loses their words or choices: every refusal gives the form back.

Through the real app (real gpg, real SQLite): each test fails on a server that
answers an error with a bare page, resets the choices or drops the text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from kring.core.context import CoreContext
from kring.core.models import Item, Reporter
from kring_devkit.multipart import MultipartBody
from tests.source_ui.conftest import csrf_from, get_codename, submit

FORM_TOKEN_RE = re.compile(r'name="form_token" value="([^"]+)"')


def _post(
    client: FlaskClient,
    fields: Sequence[tuple[str, str]],
    files: Sequence[tuple[str, bytes]] = (),
    lang: str = "en",
) -> tuple[int, str]:
    parts = [
        ("files", name, len(content), (lambda c=content: iter([c]))) for name, content in files
    ] or [("files", "", 0, lambda: iter([]))]
    body = MultipartBody(list(fields), parts)
    response = client.post(f"/{lang}/submit", data=body.read(), content_type=body.content_type)
    return response.status_code, response.get_data(as_text=True)


def _form_of(client: FlaskClient, url: str = "/en/submit") -> tuple[str, str]:
    page = client.get(url, follow_redirects=True).get_data(as_text=True)
    match = FORM_TOKEN_RE.search(page)
    assert match, "the form carries no one-time token"
    return csrf_from(page), match.group(1)


def _items(ctx: CoreContext) -> int:
    with ctx.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(Item)) or 0)


def _checked(page: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" value="([^"]+)"(?:[^>]*?) checked', page)


def _selected(page: str, select_id: str) -> list[str]:
    block = page.split(f'id="{select_id}"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([^"]*)" selected', block)


def _textarea(page: str) -> str:
    match = re.search(r'<textarea id="message"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "no message field on the page"
    return html.unescape(match.group(1))


def test_empty_first_submission_keeps_every_choice(
    client: FlaskClient, ctx: CoreContext, confidant_a: int, confidant_b: int
) -> None:
    get_codename(client)
    csrf, token = _form_of(client)
    status, page = _post(
        client,
        [
            ("csrf_token", csrf),
            ("form_token", token),
            ("recipient", str(confidant_b)),
            ("path", "formal"),
            ("category", "bullying"),
            ("counted", "no"),
            ("message", "   "),
        ],
    )
    assert status == 400
    assert "Write a message or add a file" in page
    # The error sits at the top, where the form's #error anchor lands.
    assert page.index('id="error"') < page.index("<form method=\"post\" action=\"/en/submit#error\"")
    assert _checked(page, "recipient") == [str(confidant_b)]
    assert _checked(page, "path") == ["formal"]
    assert _selected(page, "category") == ["bullying"]
    assert _checked(page, "counted") == ["no"]
    assert _items(ctx) == 0


def test_too_large_submission_gives_the_text_back_and_says_files_were_not_kept(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    ctx.settings = ctx.settings.__class__(
        **{**ctx.settings.__dict__, "max_submission_bytes": 1_000_000}
    )
    get_codename(client)
    csrf, token = _form_of(client)
    words = "What happened on Monday <b>hurt</b> & I need advice.\nSecond line."
    status, page = _post(
        client,
        [
            ("csrf_token", csrf),
            ("form_token", token),
            ("recipient", str(confidant_a)),
            ("path", "advice"),
            ("category", ""),
            ("message", words),
        ],
        files=[("photo.jpg", b"p" * 1_200_000)],
    )
    assert status == 413
    assert "too large" in page and "nothing was sent" in page
    assert _textarea(page) == words
    assert _checked(page, "recipient") == [str(confidant_a)]
    assert _checked(page, "path") == ["advice"]
    assert "not kept: add it again" in page
    assert "Back to the start" not in page
    assert _items(ctx) == 0
    with ctx.sessions() as db:
        assert db.scalar(select(Reporter)) is None


def test_bad_file_name_keeps_the_follow_up_text(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    get_codename(client)
    assert submit(client, message="first")[0] == 302
    csrf, token = _form_of(client, "/en/conversation")
    status, page = _post(
        client,
        [("csrf_token", csrf), ("form_token", token), ("path", "advice"), ("category", ""),
         ("message", "the follow-up I typed")],
        files=[("dir/evil.txt", b"x")],
    )
    assert status == 400 and "A file name is not allowed" in page
    assert _textarea(page) == "the follow-up I typed"
    assert _checked(page, "path") == ["advice"]
    assert _items(ctx) == 1


def _reporter_whose_session_ends(app: Flask) -> tuple[str, str, str, FlaskClient]:
    """A reporter with a conversation holds a follow-up form; then their session ends.

    Returns the codename, the form's CSRF and one-time tokens, and a browser
    without the session (idle timeout, server restart).
    """
    first = app.test_client()
    codename = get_codename(first)
    assert submit(first, message="first message")[0] == 302
    csrf, token = _form_of(first, "/en/conversation")
    return codename, csrf, token, app.test_client()


def test_session_ended_mid_form_keeps_the_text_through_login(
    app: Flask, ctx: CoreContext, confidant_a: int
) -> None:
    codename, csrf, token, later = _reporter_whose_session_ends(app)
    status, page = _post(
        later,
        [("csrf_token", csrf), ("form_token", token), ("path", "just_talk"),
         ("category", "aggression"), ("message", "what I wrote while the session ended")],
        files=[("note.txt", b"file body")],
    )
    assert status == 200
    assert "Your session has ended" in page and 'name="codename"' in page
    assert 'name="draft_message" value="what I wrote while the session ended"' in page
    assert "Files cannot be kept" in page
    draft = dict(re.findall(r'name="(draft_[a-z]+)" value="([^"]*)"', page))
    assert draft["draft_category"] == "aggression"
    # A typo first: the draft survives the error page too.
    again = later.post(
        "/en/login",
        data={"csrf_token": csrf_from(page), "codename": "nope", **draft},
    ).get_data(as_text=True)
    assert 'name="draft_message" value="what I wrote while the session ended"' in again
    back = later.post(
        "/en/login", data={"csrf_token": csrf_from(again), "codename": codename, **draft}
    )
    text = back.get_data(as_text=True)
    assert back.status_code == 200
    assert "has not been sent yet" in text
    assert _textarea(text) == "what I wrote while the session ended"
    assert _selected(text, "category") == ["aggression"]
    assert _items(ctx) == 1  # shown again, not sent behind the reporter's back


def test_fresh_codename_whose_session_ended_can_start_again_with_the_text(
    app: Flask, ctx: CoreContext, confidant_a: int
) -> None:
    first = app.test_client()
    get_codename(first)
    csrf, token = _form_of(first)
    later = app.test_client()
    _, page = _post(
        later,
        [("csrf_token", csrf), ("form_token", token), ("recipient", str(confidant_a)),
         ("path", "advice"), ("category", ""), ("message", "never sent")],
    )
    draft = dict(re.findall(r'name="(draft_[a-z]+)" value="([^"]*)"', page))
    assert "Get a new codename and keep my text" in page
    fresh = later.post("/en/codename", data={"csrf_token": csrf_from(page), **draft})
    fresh_page = fresh.get_data(as_text=True)
    assert fresh.status_code == 200 and 'class="codename"' in fresh_page
    resumed = later.post(
        "/en/resume", data={"csrf_token": csrf_from(fresh_page), **draft}
    ).get_data(as_text=True)
    assert _textarea(resumed) == "never sent"
    assert _checked(resumed, "recipient") == [str(confidant_a)]
    assert _checked(resumed, "path") == ["advice"]
    assert _items(ctx) == 0


def test_replayed_form_is_stored_once_and_answered_with_the_conversation(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    get_codename(client)
    csrf, token = _form_of(client)
    fields = [("csrf_token", csrf), ("form_token", token), ("recipient", "all"),
              ("path", "just_talk"), ("category", ""), ("message", "only once please")]
    body = MultipartBody(fields, [("files", "", 0, lambda: iter([]))])
    data = body.read()
    first = client.post("/en/submit", data=data, content_type=body.content_type)
    assert first.status_code == 302
    replay = client.post("/en/submit", data=data, content_type=body.content_type)
    assert replay.status_code == 302 and "/en/conversation" in replay.headers["Location"]
    page = client.get(replay.headers["Location"]).get_data(as_text=True)
    assert "already sent" in page
    assert _items(ctx) == 1
    # A new form (a new token) sends a new message.
    csrf2, token2 = _form_of(client, "/en/conversation")
    assert token2 != token
    status, _ = _post(client, [("csrf_token", csrf2), ("form_token", token2),
                               ("path", "just_talk"), ("category", ""), ("message", "two")])
    assert status == 302 and _items(ctx) == 2


def test_a_failed_submission_does_not_use_up_its_token(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    get_codename(client)
    csrf, token = _form_of(client)
    base = [("csrf_token", csrf), ("form_token", token), ("recipient", "all"),
            ("path", "just_talk"), ("category", "")]
    assert _post(client, [*base, ("message", "")])[0] == 400
    assert _post(client, [*base, ("message", "now with text")])[0] == 302
    assert _items(ctx) == 1


def test_follow_up_form_offers_a_real_choice_or_none(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    get_codename(client)
    assert submit(client, message="x", path="wrongdoing")[0] == 302
    page = client.get("/en/conversation").get_data(as_text=True)
    # The last path leaves nothing to choose: no lone pre-ticked radio button.
    assert 'type="radio" name="path"' not in page
    assert 'type="hidden" name="path" value="wrongdoing"' in page


def test_a_long_non_ascii_draft_survives_the_login_page(
    app: Flask, ctx: CoreContext, confidant_a: int
) -> None:
    codename, csrf, token, later = _reporter_whose_session_ends(app)
    # Percent-encoded, this would be far over the 1 MiB form limit; the draft
    # travels as multipart, where it is its own size.
    long_text = ("Één keer — “nooit meer” 💬 " * 3500)[: ctx.settings.max_message_chars]
    _, page = _post(
        later,
        [("csrf_token", csrf), ("form_token", token), ("path", "just_talk"), ("category", ""),
         ("message", long_text)],
    )
    assert 'enctype="multipart/form-data"' in page
    draft = dict(re.findall(r'name="(draft_[a-z_]+)" value="([^"]*)"', page))
    body = MultipartBody(
        [("csrf_token", csrf_from(page)), ("codename", codename),
         *((k, html.unescape(v)) for k, v in draft.items())],
        [],
    )
    back = later.post("/en/login", data=body.read(), content_type=body.content_type)
    assert back.status_code == 200
    assert _textarea(back.get_data(as_text=True)) == long_text
