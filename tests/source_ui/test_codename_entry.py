"""Codename entry that helps, and a fresh codename that is safe until used."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from kring.core.context import CoreContext
from tests.source_ui.conftest import csrf_from, get_codename, submit


def _login(client: FlaskClient, codename: str, **extra: str):  # type: ignore[no-untyped-def]
    csrf = csrf_from(client.get("/en/login").get_data(as_text=True))
    return client.post("/en/login", data={"csrf_token": csrf, "codename": codename, **extra})


def _registered(client: FlaskClient) -> str:
    codename = get_codename(client)
    assert submit(client, message="hello")[0] == 302
    client.post("/en/logout", data={"csrf_token": csrf_from(client.get("/en/conversation").get_data(as_text=True))})
    return codename


def test_a_mistyped_word_is_named_by_position_and_the_text_is_kept(
    client: FlaskClient, confidant_a: int
) -> None:
    codename = _registered(client)
    words = codename.split()
    words[3] = words[3] + "q"
    typed = " ".join(words)
    response = _login(client, typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Word 4 is not a codename word" in page
    assert f'value="{typed}"' in page
    two = words.copy()
    two[1] = "zzzz"
    page = _login(client, " ".join(two)).get_data(as_text=True)
    assert "Words 2, 4 are not codename words" in page


def test_a_short_codename_says_how_many_words_were_typed(client: FlaskClient) -> None:
    page = _login(client, "abacus abacus").get_data(as_text=True)
    assert "you typed 2 words" in page


@pytest.mark.parametrize(
    "spell",
    [
        lambda c: c.upper(),
        lambda c: "  " + c.replace(" ", "\n") + "  ",
        lambda c: c.replace(" ", "\u00a0\t"),
        lambda c: c.title().replace(" ", ", "),
    ],
)
def test_any_case_and_spacing_logs_in(client: FlaskClient, confidant_a: int, spell) -> None:  # type: ignore[no-untyped-def]
    codename = _registered(client)
    response = _login(client, spell(codename))
    assert response.status_code == 302 and "/en/conversation" in response.headers["Location"]


def test_show_what_i_typed_reveals_it_without_logging_in(
    client: FlaskClient, ctx: CoreContext
) -> None:
    response = _login(client, "one two three", reveal="1")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'<input id="codename" name="codename" type="text" value="one two three"', page)
    assert "Hide what I typed" in page
    # Still visible after an error, until hidden again.
    page = _login(client, "one two three", visible="1").get_data(as_text=True)
    assert 'type="text" value="one two three"' in page
    page = _login(client, "one two three", visible="1", reveal="0").get_data(as_text=True)
    assert 'type="password" value="one two three"' in page


def test_codename_page_explains_activation_and_offers_no_logout(client: FlaskClient) -> None:
    page = client.get("/en/codename").get_data(as_text=True)
    assert "becomes active when you send your first message" in page
    assert "Log out" not in page


def test_logout_with_an_unsent_codename_asks_first(
    client: FlaskClient, confidant_a: int
) -> None:
    get_codename(client)
    form = client.get("/en/submit").get_data(as_text=True)
    assert "Log out" in form
    asked = client.post("/en/logout", data={"csrf_token": csrf_from(form)})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "not active" in page and "Log out and discard this codename" in page
    # The question is the one way out: no second "Log out" in the header to click again.
    assert 'class="logout"' not in page
    # Going back keeps the session: the form is still there.
    assert 'name="message"' in client.get("/en/submit").get_data(as_text=True)
    done = client.post("/en/logout", data={"csrf_token": csrf_from(page), "confirm": "yes"})
    assert "You are logged out" in done.get_data(as_text=True)
    assert client.get("/en/submit").status_code == 302


def test_logout_after_sending_needs_no_confirmation(
    client: FlaskClient, confidant_a: int
) -> None:
    get_codename(client)
    assert submit(client, message="sent")[0] == 302
    csrf = csrf_from(client.get("/en/conversation").get_data(as_text=True))
    page = client.post("/en/logout", data={"csrf_token": csrf}).get_data(as_text=True)
    assert "You are logged out" in page and "Log out" not in page


def test_no_logout_after_everything_was_deleted(client: FlaskClient, confidant_a: int) -> None:
    get_codename(client)
    assert submit(client, message="sent")[0] == 302
    csrf = csrf_from(client.get("/en/delete").get_data(as_text=True))
    page = client.post("/en/delete", data={"csrf_token": csrf, "confirm": "yes"}).get_data(
        as_text=True
    )
    assert "Everything was deleted" in page and "Log out" not in page
