"""The reporter's whole conversation in Spanish in Chromium, JavaScript off, axe-checked.

The information pages are covered in every language by test_reporter_pages_browser;
this test walks the pages that need a session, in Spanish: codename, form, a refused
and a good login, conversation, log-out confirmation, deletion, the error page. Each is
photographed with JavaScript disabled; axe-core then checks the very HTML that the
script-free browser received, served again at the same address in a second context
(JavaScript on, axe injected by the test, never by the app).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kring.core.codenames.wordlists import load_wordlist
from kring.core.context import CoreContext
from tests.browser.axe_html import axe_source, severe_findings
from tests.browser.test_reporter_pages_browser import launch_chromium, served  # noqa: F401
from tests.source_ui.test_info_traceless import furnished  # noqa: F401

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "reporter-es-flow"


def test_spanish_conversation_without_javascript_passes_axe(
    served: tuple[str, CoreContext],  # noqa: F811
) -> None:
    from playwright.sync_api import Page, sync_playwright

    source = axe_source()
    origin, _ctx = served
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    seen: list[tuple[str, str, str, str]] = []  # (name, url, html, heading)
    requested: list[str] = []

    def keep(page: Page, name: str, heading: str) -> None:
        assert page.locator("script").count() == 0, name
        assert page.locator("html").get_attribute("lang") == "es", name
        assert page.locator("h1").inner_text().strip() == heading, name
        assert page.locator("nav.languages strong").inner_text() == "Español", name
        page.screenshot(
            path=str(SCREENSHOTS / f"{name}.jpg"), full_page=True, type="jpeg", quality=70
        )
        seen.append((name, page.url, page.content(), heading))

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            safest = browser.new_context(
                java_script_enabled=False, viewport={"width": 900, "height": 900}
            )
            page = safest.new_page()
            page.on("request", lambda request: requested.append(request.url))

            page.goto(origin + "/es/codename")
            keep(page, "codename", "Tu nombre en clave")
            words = [w.strip() for w in page.locator("p.codename span").all_inner_texts()]
            assert len(words) == 7 and set(words) <= set(load_wordlist("es"))

            page.get_by_role("link", name="Ya lo he apuntado: continuar").click()
            page.wait_for_url("**/es/submit**")
            keep(page, "submit", "Escribir a una persona de confianza")
            page.locator("textarea#message").fill("Mi encargado me grita delante de todos.")
            page.locator("input[name=recipient][value=all]").check()
            with page.expect_navigation():
                page.get_by_role("button", name="Enviar de forma segura").click()
            assert "/es/conversation" in page.url
            keep(page, "conversation", "Tu conversación")
            assert "Mensaje enviado el" in page.content()

            page.goto(origin + "/es/delete")
            keep(page, "delete", "¿Eliminar esta conversación y tu nombre en clave?")
            with page.expect_navigation():
                page.locator("form.logout button").click()
            keep(page, "logged-out", "Has cerrado la sesión")

            page.goto(origin + "/es/login")
            keep(page, "login", "Entrar con tu nombre en clave")
            page.locator("#codename").fill(" ".join(words[:3]))
            with page.expect_navigation():
                page.get_by_role("button", name="Continuar").click()
            keep(page, "login-refused", "Entrar con tu nombre en clave")
            assert "escribiste 3 palabras" in page.content()
            # Typed with accents and capitals, as a Spanish keyboard may give it.
            typed = " ".join(w.replace("a", "á", 1).capitalize() for w in words)
            page.locator("#codename").fill(typed)
            with page.expect_navigation():
                page.get_by_role("button", name="Continuar").click()
            assert "/es/conversation" in page.url, page.url

            page.goto(origin + "/es/delete")
            page.locator("input[name=confirm]").check()
            with page.expect_navigation():
                page.get_by_role("button", name="Eliminar", exact=True).click()
            keep(page, "deleted", "Se eliminó todo")

            response = page.goto(origin + "/es/no-existe")
            assert response is not None and response.status == 404
            keep(page, "not-found", "Página no encontrada")
            safest.close()

            checker = browser.new_context(java_script_enabled=True, bypass_csp=True)
            serious: dict[str, list[object]] = {}
            for name, url, html, heading in seen:
                bad = severe_findings(checker, url, html, heading, source)
                if bad:
                    serious[name] = list(bad)
            checker.close()
        finally:
            browser.close()
    assert [entry[0] for entry in seen] == [
        "codename", "submit", "conversation", "delete", "logged-out", "login",
        "login-refused", "deleted", "not-found",
    ]  # fmt: skip
    assert serious == {}
    assert requested and all(u.startswith(origin + "/") for u in requested)
