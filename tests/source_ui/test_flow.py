"""The whole reporter flow through the Flask test client, with real gpg and SQLite."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from kring.core.cases import replies
from kring.core.context import CoreContext
from kring.core.models import Item, Reporter
from kring.web.sessions import SessionLengths
from tests.conftest import ConfidantKeyPair
from tests.source_ui.conftest import csrf_from, get_codename, submit


def _stored(ctx: CoreContext) -> list[tuple[Item, bytes]]:
    with ctx.sessions() as db:
        reporter = db.scalar(select(Reporter))
        assert reporter is not None
        return [
            (i, ctx.store.blob_path(reporter.lookup_id, i.blob_name).read_bytes())
            for i in reporter.items
        ]


def test_landing_page_explains_and_sets_no_cookie(client: FlaskClient) -> None:
    response = client.get("/en/")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Who can read what you write?" in text
    assert "independent of your employer" in text
    assert "Set-Cookie" not in response.headers
    dutch = client.get("/nl/").get_data(as_text=True)
    assert "Wie kan lezen wat je schrijft?" in dutch


def test_root_redirects_to_default_language(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/en/")


def test_codename_words_come_from_the_chosen_list(client: FlaskClient) -> None:
    from kring.core.codenames.wordlists import load_wordlist

    english = get_codename(client, "en").split()
    assert len(english) == 7 and all(w in load_wordlist("en") for w in english)
    page = client.get("/en/codename?words=nl").get_data(as_text=True)
    assert "only way back" in page
    dutch = client.get("/nl/codename").get_data(as_text=True)
    assert "enige weg terug" in dutch


def test_another_codename_differs(client: FlaskClient) -> None:
    assert get_codename(client) != get_codename(client)


def test_full_flow_submit_leave_return_reply_delete(
    client: FlaskClient, app, ctx: CoreContext, confidant_a: int, confidant_key: ConfidantKeyPair
) -> None:
    codename = get_codename(client)
    status, _ = submit(
        client,
        message="My manager shouts at me.",
        files=[("notes.txt", b"dates and times"), ("photo.jpg", b"\xff\xd8 jpeg bytes")],
        path="advice",
        category="bullying",
    )
    assert status == 302
    stored = _stored(ctx)
    assert [i.kind for i, _ in stored] == ["message", "file", "file"]
    assert confidant_key.decrypt(stored[0][1])[0] == b"My manager shouts at me."
    assert confidant_key.decrypt(stored[1][1]) == (b"dates and times", "notes.txt")
    assert confidant_key.decrypt(stored[2][1])[0] == b"\xff\xd8 jpeg bytes"

    # Leave: a new browser, then log in with the codename typed sloppily.
    other = app.test_client()
    login_page = other.get("/en/login").get_data(as_text=True)
    sloppy = "  " + codename.upper().replace(" ", "   ") + "\n"
    response = other.post(
        "/en/login", data={"codename": sloppy, "csrf_token": csrf_from(login_page)}
    )
    assert response.status_code == 302
    page = other.get("/en/conversation").get_data(as_text=True)
    assert "Message sent on" in page and "notes.txt" in page and "photo.jpg" in page
    assert "My manager shouts" not in page  # the server cannot show content back

    with ctx.sessions() as db:
        reporter_id = db.scalar(select(Reporter.id))
    reply = replies.reply_to_reporter(
        ctx, reporter_id=reporter_id, confidant_id=confidant_a, text="Thank you for writing. <b>"
    )
    page = other.get("/en/conversation").get_data(as_text=True)
    assert "Thank you for writing. &lt;b&gt;" in page
    assert "Reply from Anna Confidant" in page

    # A follow-up message from the conversation page.
    status, _ = submit(other, message="More details.", recipient=None)
    assert status == 302
    assert [i.kind for i, _ in _stored(ctx)] == ["message", "file", "file", "reply", "message"]

    # Delete the reply.
    csrf = csrf_from(other.get("/en/conversation").get_data(as_text=True))
    response = other.post(f"/en/reply/{reply.id}/delete", data={"csrf_token": csrf})
    assert response.status_code == 302
    assert "Thank you for writing" not in other.get("/en/conversation").get_data(as_text=True)

    # Delete everything, after confirmation.
    csrf = csrf_from(other.get("/en/delete").get_data(as_text=True))
    refused = other.post("/en/delete", data={"csrf_token": csrf})
    assert refused.status_code == 400
    done = other.post("/en/delete", data={"csrf_token": csrf, "confirm": "yes"})
    assert done.status_code == 200 and "Everything was deleted" in done.get_data(as_text=True)
    with ctx.sessions() as db:
        assert db.scalar(select(Reporter)) is None
    assert not any(ctx.store.root.iterdir())
    # The codename no longer works.
    third = app.test_client()
    csrf = csrf_from(third.get("/en/login").get_data(as_text=True))
    response = third.post("/en/login", data={"codename": codename, "csrf_token": csrf})
    assert response.status_code == 403


def test_logout_ends_session(client: FlaskClient, confidant_a: int) -> None:
    get_codename(client)
    submit(client, message="hello")
    csrf = csrf_from(client.get("/en/conversation").get_data(as_text=True))
    response = client.post("/en/logout", data={"csrf_token": csrf})
    assert "logged out" in response.get_data(as_text=True)
    after = client.get("/en/conversation")
    assert after.status_code == 302 and "/en/login" in after.headers["Location"]


def test_session_expires_after_inactivity(client: FlaskClient, app, confidant_a: int) -> None:
    get_codename(client)
    submit(client, message="hello")
    store = app.session_interface.store
    store.lengths = lambda: SessionLengths(idle_seconds=0)  # every session is now past it
    import time

    time.sleep(0.01)
    response = client.get("/en/conversation")
    assert response.status_code == 302 and "/en/login" in response.headers["Location"]


def test_cookie_holds_only_a_random_id(client: FlaskClient) -> None:
    get_codename(client)
    cookie = client.get_cookie("kring_source")
    assert cookie is not None
    assert cookie.http_only and cookie.same_site == "Strict"
    assert len(cookie.value) < 64 and "." not in cookie.value  # not a signed payload


def test_follow_up_offers_only_the_current_and_later_paths(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    get_codename(client)
    submit(client, message="first", path="informal")
    page = client.get("/en/conversation").get_data(as_text=True)
    assert 'value="just_talk"' not in page
    assert 'value="advice"' not in page
    assert 'value="informal" checked' in page
    assert 'value="wrongdoing"' in page
    # A path sent backwards anyway is ignored: it only moves forward.
    submit(client, message="second", path="just_talk", recipient=None)
    with ctx.sessions() as db:
        assert db.scalar(select(Reporter.path)) == "informal"
    submit(client, message="third", path="formal", recipient=None)
    with ctx.sessions() as db:
        assert db.scalar(select(Reporter.path)) == "formal"
