"""The reporter's forms and error pages in Debian's Chromium, without JavaScript.

Walks a reporter through the drop in a script-disabled context (as Tor Browser
at "Safest"), in English and Dutch at desktop width and at 360 px (a phone),
and in Spanish at 360 px:
codename, form, every error reachable from the form, the logout question, a
conversation with replies, login errors and a session that ended mid-form.
On every page: no horizontal scrolling, the JavaScript warning hidden (and
shown in a context with scripts on), touch-sized buttons on the phone, and
after each refusal the text still in the form, and no serious or critical
axe-core finding on the very HTML photographed (checked in a JavaScript-on
context, see tests/browser/axe_html.py). Screenshots go to
docs/screenshots/forms/ for people to look at.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from kring.core.cases import replies as case_replies
from kring.core.context import CoreContext
from kring.core.models import Reporter
from kring.source_ui import create_app
from tests.browser.axe_html import axe_source, severe_findings
from tests.browser.test_reporter_pages_browser import launch_chromium

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "forms"
WIDTHS = {"desktop": 900, "phone": 360}
WALKS = [("en", "desktop"), ("en", "phone"), ("nl", "desktop"), ("nl", "phone"), ("es", "phone")]
TEXT = {
    "en": {"send": "Send securely", "continue": "I have written it down — continue",
           "logout": "Log out", "go_back": "Go back to writing", "login": "Continue",
           "show": "Show what I typed", "new_keep": "Get a new codename and keep my text",
           "continue_text": "I have written it down — continue with my text"},
    "nl": {"send": "Veilig versturen", "continue": "Ik heb hem opgeschreven — verder",
           "logout": "Uitloggen", "go_back": "Terug naar schrijven", "login": "Verder",
           "show": "Toon wat ik typte", "new_keep": "Nieuwe codenaam, en mijn tekst houden",
           "continue_text": "Ik heb hem opgeschreven — verder met mijn tekst"},
    "es": {"send": "Enviar de forma segura", "continue": "Ya lo he apuntado: continuar",
           "logout": "Cerrar sesión", "go_back": "Volver a escribir", "login": "Continuar",
           "show": "Mostrar lo que he escrito",
           "new_keep": "Pedir un nombre en clave nuevo y conservar mi texto",
           "continue_text": "Ya lo he apuntado: continuar con mi texto"},
}  # fmt: skip
# A group's question (its legend) must sit inside the box, below the top border:
# on the border, a question that wraps has the line drawn through it.
LEGENDS_ON_BORDER = """() => [...document.querySelectorAll('fieldset > legend')].filter(l => {
  const box = l.parentElement.getBoundingClientRect();
  const border = parseFloat(getComputedStyle(l.parentElement).borderTopWidth);
  return l.offsetParent !== null && l.getBoundingClientRect().top < box.top + border;
}).map(l => l.innerText)"""
WORDS = "Op maandag zei mijn leidinggevende iets dat me raakte. <kept> & safe"


@pytest.fixture
def served(ctx: CoreContext, confidant_a: int) -> Iterator[tuple[str, CoreContext, int]]:
    """The reporters' app on a loopback port, one confidant, a 1 MB limit."""
    ctx.settings = ctx.settings.__class__(
        **{**ctx.settings.__dict__, "max_submission_bytes": 1_000_000}
    )
    app: Flask = create_app(ctx.settings, context=ctx)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", ctx, confidant_a
    server.shutdown()
    thread.join(timeout=10)


def _check(page: Page, name: str, width: str, failures: list[str], checker: BrowserContext,
           source: str) -> None:  # fmt: skip
    """What every reporter page must be, wherever a reporter reads it."""
    page.wait_for_load_state("load")
    if page.locator("script").count():
        failures.append(f"{name}: has a script")
    if page.locator("h1").count() != 1:
        failures.append(f"{name}: {page.locator('h1').count()} h1")
    if page.locator(".js-warning").is_visible():
        failures.append(f"{name}: JavaScript warning shown with scripts off")
    crossed = page.evaluate(LEGENDS_ON_BORDER)
    if crossed:
        failures.append(f"{name}: the border runs through the question {crossed}")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        failures.append(f"{name}: scrolls sideways by {overflow}px")
    if width == "phone":
        for button in page.locator("main button:visible, main .button:visible").all():
            box = button.bounding_box()
            if box is not None and box["height"] < 40:
                failures.append(f"{name}: control {button.inner_text()!r} is {box['height']}px")
    page.screenshot(path=str(SHOTS / f"{name}.jpg"), full_page=True, type="jpeg", quality=70)
    heading = page.locator("h1").first.inner_text().strip()
    for finding in severe_findings(checker, page.url, page.content(), heading, source):
        failures.append(f"{name}: axe {finding['impact']} {finding['id']} at {finding['nodes']}")


def _add_replies(ctx: CoreContext, confidant_id: int) -> None:
    with ctx.sessions() as db:
        reporter_id = db.scalar(select(Reporter.id).order_by(Reporter.id.desc()))
    assert reporter_id is not None
    for text in (
        "Dank je voor je bericht. Ik lees het met aandacht.\nWil je vertellen wanneer het gebeurde?",
        "Thank you. We can talk about what you need first; nothing happens without you.",
    ):
        case_replies.reply_to_reporter(
            ctx, reporter_id=reporter_id, confidant_id=confidant_id, text=text
        )


def _walk(browser: Browser, origin: str, ctx: CoreContext, confidant: int, lang: str,
          width: str, failures: list[str], tmp_path: Path, source: str) -> None:  # fmt: skip
    t = TEXT[lang]
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": WIDTHS[width], "height": 800}
    )
    checker = browser.new_context(
        java_script_enabled=True, bypass_csp=True, viewport={"width": WIDTHS[width], "height": 800}
    )
    page = context.new_page()
    tag = f"{lang}-{width}"

    def click(label: str) -> None:
        with page.expect_navigation(wait_until="load"):
            page.get_by_role("button", name=label, exact=True).first.click()

    def shot(name: str) -> None:
        _check(page, f"{tag}-{name}", width, failures, checker, source)

    page.goto(f"{origin}/{lang}/codename", wait_until="load")
    shot("01-codename")
    codename = " ".join(page.locator("p.codename span").all_inner_texts())
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name=t["continue"]).click()
    shot("02-form")

    # An empty first message keeps the confidant chosen.
    page.locator(f'input[name="recipient"][value="{confidant}"]').check()
    page.locator('input[name="path"][value="advice"]').check()
    click(t["send"])
    assert page.locator(f'input[name="recipient"][value="{confidant}"]').is_checked(), tag
    assert page.locator('input[name="path"][value="advice"]').is_checked(), tag
    assert page.evaluate("location.hash") == "#error", tag
    shot("03-error-empty")

    # Too large: the text comes back, the page says the file was not kept.
    big = tmp_path / "scan.pdf"
    big.write_bytes(b"%PDF" + b"0" * 1_050_000)
    page.locator("#message").fill(WORDS)
    page.locator("#files").set_input_files(str(big))
    click(t["send"])
    assert page.locator("#message").input_value() == WORDS, tag
    assert page.locator("#files-again").is_visible(), tag
    shot("04-error-too-large")

    # "Log out" with a codename that never sent anything asks first.
    page.locator("header").get_by_role("button", name=t["logout"]).click()
    page.wait_for_load_state("load")
    shot("05-logout-question")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name=t["go_back"]).click()

    page.locator("#message").fill(WORDS)
    click(t["send"])
    _add_replies(ctx, confidant)
    page.goto(f"{origin}/{lang}/conversation", wait_until="load")
    assert page.locator("li.entry-reply").count() == 2, tag
    shot("06-conversation-with-replies")

    # An empty follow-up: the error is at the top, the form right under it.
    page.locator("#message").fill("")
    click(t["send"])
    shot("07-error-empty-follow-up")

    # The session ends while the reporter writes: the text survives the login.
    page.locator("#message").fill("Nog één ding: het gebeurde twee keer.")
    context.clear_cookies()
    click(t["send"])
    assert page.locator('input[name="draft_message"]').count() == 2, tag  # login + new codename
    shot("08-session-ended-login")
    page.locator("#codename").fill(codename.split()[0] + " nope")
    click(t["show"])
    shot("09-login-shown")
    click(t["login"])
    shot("10-login-word-count")
    page.locator("#codename").fill(codename.upper())
    click(t["login"])
    assert page.locator("#message").input_value() == "Nog één ding: het gebeurde twee keer.", tag
    shot("11-draft-back-after-login")

    page.goto(f"{origin}/{lang}/delete", wait_until="load")
    shot("12-delete-question")
    context.close()
    checker.close()

    # With scripts on, the warning is there.
    js = browser.new_context(
        java_script_enabled=True, viewport={"width": WIDTHS[width], "height": 800}
    )
    jpage = js.new_page()
    jpage.goto(f"{origin}/{lang}/", wait_until="load")
    if not jpage.locator(".js-warning").is_visible():
        failures.append(f"{tag}: no JavaScript warning with scripts on")
    jpage.screenshot(path=str(SHOTS / f"{tag}-00-javascript-on.jpg"), type="jpeg", quality=70)
    js.close()


def test_forms_and_error_pages_keep_text_and_fit_a_phone(
    served: tuple[str, CoreContext, int], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    origin, ctx, confidant = served
    source = axe_source()
    if SHOTS.exists():
        shutil.rmtree(SHOTS)
    SHOTS.mkdir(parents=True)
    failures: list[str] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            for lang, width in WALKS:
                _walk(browser, origin, ctx, confidant, lang, width, failures, tmp_path, source)
        finally:
            browser.close()
    assert failures == []
