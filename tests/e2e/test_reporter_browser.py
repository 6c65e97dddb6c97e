"""A reporter clicks through the drop in headless Chromium with JavaScript off, over Tor."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, sync_playwright

from kring_devkit.demo import RunningDrop
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.tor, pytest.mark.browser]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Every name is resolved by Tor through the SOCKS proxy: no DNS leak.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
DOC_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def browser(drop: RunningDrop) -> Iterator[Browser]:
    """Debian's Chromium, headless, with the drop's client tor as its only way out."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=CHROMIUM_ARGS,
            proxy={"server": f"socks5://127.0.0.1:{drop.socks_port}"},
        )
        yield launched
        launched.close()


def _page(browser: Browser, origin: str, seen: list[str]) -> Page:
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    context.set_default_timeout(90_000)
    page = context.new_page()
    page.on("request", lambda request: seen.append(request.url))
    return page


def _follow(page: Page, target: Locator) -> None:
    """Click a link or submit button and return only once the page it leads to has loaded.

    A bare click() returns as soon as the click is dispatched; reading page.content() right
    after it can see the old page or an empty document mid-navigation. Waiting for the
    navigation the click starts makes the test independent of timing.
    """
    with page.expect_navigation(wait_until="load"):
        target.click()


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_codename_submit_return_in_chromium_without_javascript(
    drop: RunningDrop, browser: Browser
) -> None:
    origin = f"http://{drop.source_onion}"
    seen: list[str] = []
    page = _page(browser, origin, seen)
    page.goto(origin + "/en/", wait_until="load")
    assert page.locator("h1").inner_text() == "Talk to a confidant, safely and anonymously"
    _shot(page, "source-1-landing")

    _follow(page, page.get_by_role("link", name="Start a conversation"))
    words = page.locator("p.codename span").all_inner_texts()
    assert len(words) == 7
    codename = " ".join(words)
    _shot(page, "source-2-codename")

    _follow(page, page.get_by_role("link", name=re.compile("written it down")))
    page.get_by_label("Advice — what can I do?").check()
    page.get_by_label("What is it about? (optional)").select_option("bullying")
    page.get_by_label("Your message").fill("My team lead humiliates me in meetings.")
    page.set_input_files(
        "input[name=files]",
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"dates, witnesses"}],
    )
    _shot(page, "source-3-submit")
    _follow(page, page.get_by_role("button", name="Send securely"))
    assert "Your message was sent" in page.content()
    assert "notes.txt" in page.content()
    _shot(page, "source-4-conversation")
    page.context.close()

    # Leave, come back later in a fresh browser with the codename.
    again = _page(browser, origin, seen)
    again.goto(origin + "/en/login")
    again.get_by_label("Codename (seven words)").fill(codename.upper())
    _follow(again, again.get_by_role("button", name="Continue"))
    assert "Message sent on" in again.content()
    assert "notes.txt" in again.content()
    _shot(again, "source-5-returned")
    again.context.close()

    # Nothing was requested from anywhere but the onion itself.
    assert seen
    assert all(url.startswith(origin + "/") for url in seen), [
        u for u in seen if not u.startswith(origin)
    ]
    DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name in ("source-1-landing", "source-2-codename", "source-4-conversation"):
        shutil.copyfile(ARTIFACTS / f"{name}.png", DOC_SCREENSHOTS / f"{name}.png")


def test_no_script_on_any_page_over_tor(drop: RunningDrop, browser: Browser) -> None:
    seen: list[str] = []
    page = _page(browser, f"http://{drop.source_onion}", seen)
    for path in ("/en/", "/nl/", "/en/login", "/nl/codename"):
        response = page.goto(f"http://{drop.source_onion}{path}")
        assert response is not None
        assert response.status == 200
        assert "script-src" not in response.headers["content-security-policy"]
        assert page.locator("script").count() == 0
    page.context.close()
