"""Reporters read the information pages and start a conversation from a profile."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from kring.core.content import conduct, pages
from kring.core.context import CoreContext
from tests.source_ui.conftest import get_codename, submit
from tests.source_ui.info_fixtures import add_keyless_confidant, give_profile


def _get(client: FlaskClient, url: str) -> tuple[int, str]:
    with client.get(url) as response:
        return response.status_code, response.get_data(as_text=True)


def test_landing_links_to_every_kind_of_information(client: FlaskClient) -> None:
    for lang in ("en", "nl", "es"):
        status, html = _get(client, f"/{lang}/")
        assert status == 200
        for href in (
            "/info/position",
            "/info/code-of-conduct",
            "/info/",
            "/info/after-you-write",
            "/info/start-safely",
            "/confidants/",
        ):
            assert f'href="/{lang}{href}"' in html, (lang, href)


def test_pages_and_topics_in_both_languages(client: FlaskClient) -> None:
    status, html = _get(client, "/nl/info/")
    assert status == 200
    for title in (
        "Ons standpunt over ongewenst gedrag",
        "Agressie en geweld",
        "Discriminatie",
        "Pesten",
        "Seksuele intimidatie",
        "Integriteitsschendingen en misstanden",
    ):
        assert title in html
    status, html = _get(client, "/en/info/sexual-harassment")
    assert status == 200
    assert "<h1>Sexual harassment</h1>" in html
    assert "Grey areas" in html and "As a bystander" in html
    status, html = _get(client, "/nl/info/start-safely")
    assert "Vertel ons wat je nodig hebt" in html


def test_code_of_conduct_current_history_and_changes(client: FlaskClient, ctx: CoreContext) -> None:
    source = conduct.conduct_source(ctx, 1, "en")
    assert source is not None
    conduct.publish_conduct_version(
        ctx,
        {
            "en": conduct.ConductDraft(
                "Code of conduct",
                source.body_md.replace("at least once a year", "every six months"),
                "Review every six months.",
            ),
        },
    )
    status, html = _get(client, "/en/info/code-of-conduct")
    assert status == 200
    assert "Version 2" in html and "Review every six months." in html
    assert "<ins>" in html and "every six months" in html and "<del>" in html
    status, html = _get(client, "/en/info/code-of-conduct/history")
    assert "Version 2" in html and "Version 1" in html
    assert "First version of the code of conduct" in html
    status, html = _get(client, "/en/info/code-of-conduct/1")
    assert status == 200 and "no longer in force" in html
    # Dutch readers see version 2 in English, said so in Dutch; version 1 in Dutch.
    status, html = _get(client, "/nl/info/code-of-conduct")
    assert "wordt daarom in het Engels getoond" in html
    assert '<article class="content" lang="en">' in html
    status, html = _get(client, "/nl/info/code-of-conduct/1")
    assert "Gedragscode" in html and "Eerste versie" in html
    assert _get(client, "/en/info/code-of-conduct/9")[0] == 404


def test_missing_translation_shows_english_never_blank(
    client: FlaskClient, ctx: CoreContext
) -> None:
    pages.save_page(
        ctx,
        slug="helplines",
        language="en",
        title="Helplines",
        summary="Outside help",
        body_md="Call your GP.",
    )
    status, html = _get(client, "/nl/info/helplines")
    assert status == 200
    assert "Call your GP." in html
    assert "niet beschikbaar in het Nederlands" in html
    assert '<article class="content" lang="en">' in html


def test_unknown_pages_are_404_not_500(client: FlaskClient) -> None:
    for url in (
        "/en/info/nope",
        "/en/info/..%2fetc",
        "/en/info/code-of-conduct/0",
        "/en/confidants/999",
        "/en/confidants/abc",
        "/de/info/",
        "/media/../kring.toml",
        "/media/abc.jpg",
        "/media/abcdefghijklmnopqrstuvwx.exe",
    ):
        assert _get(client, url)[0] == 404, url


def test_profile_shows_everything_and_leads_to_a_preselected_form(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    give_profile(ctx, confidant_a)
    status, html = _get(client, f"/nl/confidants/{confidant_a}")
    assert status == 200
    assert "Externe vertrouwenspersoon, maatschappelijk werker" in html
    assert "Nederlands, Engels, Turks" in html
    assert re.search(r'<img src="/media/[a-z0-9]{24}\.jpg" alt="Foto van Anna Confidant"', html)
    # Dutch texts that are missing fall back to English, marked as such.
    assert re.search(r'<div class="content" lang="en">\s*<p>I write down', html)
    assert '<p class="lead">Externe vertrouwenspersoon' in html
    assert "wordt daarom in het Engels getoond" in html
    link = f'href="/nl/codename?to={confidant_a}"'
    assert link in html
    # Follow it: codename page carries the choice to the form, which pre-checks it.
    with client.get(f"/nl/codename?to={confidant_a}") as page:
        assert f'href="/nl/submit?to={confidant_a}"' in page.get_data(as_text=True)
    status, form = _get(client, f"/nl/submit?to={confidant_a}")
    assert re.search(rf'value="{confidant_a}"[^>]*checked', form)
    assert not re.search(r'value="all"[^>]*checked', form)


def test_keyless_confidant_shown_with_reason_and_cannot_be_chosen(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    keyless = add_keyless_confidant(ctx)
    give_profile(ctx, keyless, with_photo=False)
    status, html = _get(client, "/en/confidants/")
    assert "Kees Keyless" in html and "no encryption key has been set up" in html
    status, html = _get(client, f"/en/confidants/{keyless}")
    assert "You cannot write to Kees Keyless yet" in html
    assert f"codename?to={keyless}" not in html
    # Even forced through the URL, the form does not pre-check it, and says why.
    get_codename(client)
    status, form = _get(client, f"/en/submit?to={keyless}")
    assert re.search(rf'value="{keyless}" disabled aria-describedby="why-{keyless}"', form)
    assert "no encryption key has been set up for this confidant" in form
    assert re.search(r'value="all"[^>]*checked', form)
    # And the server refuses it as recipient.
    code, _ = submit(client, message="hello", recipient=str(keyless))
    assert code == 400


def test_bad_preselection_values_are_ignored(client: FlaskClient, confidant_a: int) -> None:
    get_codename(client)
    for value in ("abc", "-1", "99999999999", "1%20or%201=1"):
        status, form = _get(client, f"/en/submit?to={value}")
        assert status == 200
        assert re.search(r'value="all"[^>]*checked', form)
