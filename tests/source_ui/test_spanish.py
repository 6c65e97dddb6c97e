"""The reporters' app in Spanish: every page, the language switch, a Spanish codename."""

from __future__ import annotations

import re

import pytest
from babel.dates import format_date
from flask.testing import FlaskClient

from kring.core.codenames.wordlists import load_wordlist
from kring.core.context import CoreContext
from tests.source_ui.conftest import csrf_from, get_codename, submit

SWITCH_RE = re.compile(r'<nav class="languages"[^>]*>(.*?)</nav>', re.S)


def _switch(html: str) -> str:
    match = SWITCH_RE.search(html)
    assert match, "no language switch on the page"
    return match.group(1)


def test_landing_page_in_spanish(client: FlaskClient) -> None:
    response = client.get("/es/")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="es">' in text
    assert "¿Quién puede leer lo que escribes?" in text
    assert "Who can read what you write?" not in text
    switch = _switch(text)
    assert "<strong>Español</strong>" in switch
    assert 'href="/en/"' in switch and 'href="/nl/"' in switch
    # The other languages offer the way to Spanish.
    assert 'href="/es/"' in _switch(client.get("/nl/").get_data(as_text=True))


@pytest.mark.parametrize(
    "path",
    ["", "info/", "login", "codename", "info/code-of-conduct", "info/bullying", "confidants/"],
)
def test_every_public_page_offers_and_shows_spanish(client: FlaskClient, path: str) -> None:
    response = client.get(f"/es/{path}")
    assert response.status_code == 200, path
    text = response.get_data(as_text=True)
    assert "<strong>Español</strong>" in _switch(text)
    assert '<html lang="es">' in text


def test_spanish_codename_logs_in_even_typed_with_accents(
    app, client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    page = client.get("/es/codename").get_data(as_text=True)
    assert "Tu nombre en clave" in page and "Español" in page
    codename = get_codename(client, "es")
    words = codename.split()
    spanish = set(load_wordlist("es"))
    assert len(words) == 7 and all(w in spanish for w in words)
    status, _ = submit(client, message="Mi jefe me grita.", lang="es")
    assert status == 302

    # A new browser; the reporter types the words with capitals and accents.
    accented = " ".join(w.replace("a", "á", 1).replace("o", "ó", 1).upper() for w in words)
    other = app.test_client()
    login = other.get("/es/login").get_data(as_text=True)
    assert "Entrar con tu nombre en clave" in login
    response = other.post("/es/login", data={"codename": accented, "csrf_token": csrf_from(login)})
    assert response.status_code == 302
    conversation = other.get("/es/conversation").get_data(as_text=True)
    assert "Tu conversación" in conversation
    # Days are in Spanish, in the one format of both apps: "Mensaje enviado el 1 dic 2026".
    today = ctx.today()
    spanish_day = format_date(today, "medium", locale="es")
    assert f"Mensaje enviado el {spanish_day}" in conversation
    assert today.isoformat() not in conversation


def test_codename_page_offers_the_three_word_lists(client: FlaskClient) -> None:
    page = client.get("/en/codename").get_data(as_text=True)
    assert "words=es" in page and "Español" in page
    spanish = get_codename(client, "en")  # English words by default on the English page
    assert all(w in load_wordlist("en") for w in spanish.split())
    chosen = client.get("/en/codename?words=es").get_data(as_text=True)
    words = re.findall(r"<span>([a-z]+)</span>", chosen)
    assert len(words) == 7 and all(w in load_wordlist("es") for w in words)


def test_spanish_plural_forms_on_the_login_page(client: FlaskClient) -> None:
    page = client.get("/es/login").get_data(as_text=True)
    one = client.post("/es/login", data={"codename": "casa", "csrf_token": csrf_from(page)})
    assert "escribiste 1 palabra." in one.get_data(as_text=True)
    page = client.get("/es/login").get_data(as_text=True)
    two = client.post("/es/login", data={"codename": "casa agua", "csrf_token": csrf_from(page)})
    assert "escribiste 2 palabras." in two.get_data(as_text=True)


def test_a_missing_page_is_answered_in_the_language_of_its_address(client: FlaskClient) -> None:
    response = client.get("/es/no-existe")
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert '<html lang="es">' in text and "Página no encontrada" in text
    dutch = client.get("/nl/bestaat-niet")
    assert dutch.status_code == 404 and '<html lang="nl">' in dutch.get_data(as_text=True)


def test_information_index_lists_the_spanish_pages_and_topics(client: FlaskClient) -> None:
    html = client.get("/es/info/").get_data(as_text=True)
    for title in (
        "Nuestra postura sobre la conducta no deseada",
        "Qué pasa después de escribirnos",
        "¿Qué necesitas para empezar la conversación con seguridad?",
        "Agresiones y violencia",
        "Discriminación",
        "Acoso laboral",
        "Acoso sexual",
        "Faltas de integridad e irregularidades",
        "Código de conducta",
    ):
        assert title in html, title
    assert "Este texto aún no está disponible" not in html  # nothing falls back to English
