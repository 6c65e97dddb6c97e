"""Every reporter page in Debian's Chromium: rendered without JavaScript, screenshot, axe-checked.

One browser for the whole module (the machine has two cores). Pages are
rendered and photographed in a context with JavaScript disabled, as Tor
Browser at "Safest" does. axe-core cannot run there (its scheduling needs
timers, which a script-disabled page never fires), so accessibility is
checked in a second context with JavaScript on, into which the test injects
``axe.min.js`` from tests/browser/node_modules through the DevTools
protocol; the app never serves it, and the first context has already shown
that every page renders without any script.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from werkzeug.serving import make_server

from kring.core.context import CoreContext
from kring.source_ui import create_app
from tests.source_ui.test_info_traceless import furnished, reporter_pages  # noqa: F401

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = HERE.parents[1] / "docs" / "screenshots" / "reporter"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless, with the flags every browser test uses."""
    return playwright.chromium.launch(
        executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=CHROMIUM_ARGS
    )


AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.map(n => n.target.join(' '))}));
}"""


@pytest.fixture
def served(furnished: CoreContext) -> Iterator[tuple[str, CoreContext]]:  # noqa: F811
    """The reporters' app on a loopback port, with profiles, media and two code versions."""
    app: Flask = create_app(furnished.settings, context=furnished)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", furnished
    server.shutdown()
    thread.join(timeout=10)


def _shot_name(url: str) -> str:
    parts = [p for p in url.strip("/").split("/") if p]
    return "-".join(parts) if len(parts) > 1 else f"{parts[0]}-home"


def test_reporter_pages_render_without_javascript_and_pass_axe(
    served: tuple[str, CoreContext], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    assert AXE.is_file(), "run: npm ci --prefix tests/browser (axe-core for this test)"
    origin, ctx = served
    pages = reporter_pages(ctx)
    requested: list[str] = []
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    serious: dict[str, list[object]] = {}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            safest = browser.new_context(
                java_script_enabled=False, viewport={"width": 900, "height": 900}
            )
            page = safest.new_page()
            page.on("request", lambda request: requested.append(request.url))
            for url in pages:
                response = page.goto(origin + url, wait_until="load")
                assert response is not None and response.status == 200, url
                assert page.locator("script").count() == 0, url
                assert page.locator("h1").count() == 1, url
                assert page.locator("h1").inner_text().strip(), url
                # Images that failed to load would show as broken in Tor Browser too.
                for image in page.locator("img").all():
                    assert image.evaluate("i => i.complete && i.naturalWidth > 0"), url
                page.screenshot(
                    path=str(SCREENSHOTS / f"{_shot_name(url)}.jpg"),
                    full_page=True,
                    type="jpeg",
                    quality=70,
                )
            safest.close()

            # The same pages on a phone (360 px): nothing scrolls sideways.
            phone = browser.new_context(
                java_script_enabled=False, viewport={"width": 360, "height": 740}
            )
            page = phone.new_page()
            page.on("request", lambda request: requested.append(request.url))
            too_wide: dict[str, int] = {}
            for url in pages:
                page.goto(origin + url, wait_until="load")
                overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
                if overflow > 0:
                    too_wide[url] = overflow
                page.screenshot(
                    path=str(SCREENSHOTS / f"{_shot_name(url)}-phone.jpg"),
                    full_page=True,
                    type="jpeg",
                    quality=60,
                )
            phone.close()
            assert too_wide == {}, f"pages wider than a 360 px phone: {too_wide}"

            checker = browser.new_context(java_script_enabled=True, bypass_csp=True)
            page = checker.new_page()
            page.on("request", lambda request: requested.append(request.url))
            axe_source = AXE.read_text(encoding="utf-8")
            for url in pages:
                page.goto(origin + url, wait_until="load")
                page.evaluate(axe_source)
                violations = page.evaluate(AXE_RUN)
                bad = [v for v in violations if v["impact"] in ("serious", "critical")]
                if bad:
                    serious[url] = bad
            # Control: the same check does flag a page that is inaccessible.
            page.set_content("<html><body><img src='/static/kring.css'></body></html>")
            page.evaluate(axe_source)
            assert "image-alt" in {v["id"] for v in page.evaluate(AXE_RUN)}
            checker.close()
        finally:
            browser.close()
    assert serious == {}
    assert requested and all(u.startswith(origin + "/") for u in requested), [
        u for u in requested if not u.startswith(origin)
    ]
