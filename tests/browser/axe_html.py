"""axe-core over the HTML a script-free browser received, checked where scripts run.

axe cannot run in a page with JavaScript disabled (its scheduling needs timers),
and a page reached by a POST cannot be fetched again. So the HTML the
script-disabled page holds is served once more at its own address, from the
test, into a page of a JavaScript-on context; its stylesheets and images still
come from the app (colour contrast needs them), and axe is injected by the
test, never served by the app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.browser.test_reporter_pages_browser import AXE, AXE_RUN

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Route

SEVERE = ("serious", "critical")


def serve(html: str) -> Callable[[Route], None]:
    """A route handler that answers with ``html`` (what the script-free browser got)."""

    def fulfill(route: Route) -> None:
        route.fulfill(status=200, body=html, content_type="text/html; charset=utf-8")

    return fulfill


def axe_source() -> str:
    """axe.min.js from tests/browser/node_modules (installed by scripts/setup.sh)."""
    assert AXE.is_file(), "run: npm ci --prefix tests/browser (axe-core for this test)"
    return AXE.read_text(encoding="utf-8")


def severe_findings(
    checker: BrowserContext, url: str, html: str, heading: str, source: str
) -> list[dict[str, Any]]:
    """axe's serious and critical findings on ``html`` as if loaded from ``url``.

    ``heading`` is the page's h1: checking it proves axe ran on the page that
    was photographed, not on a fresh request to the app.
    """
    page = checker.new_page()
    try:
        target = url.split("#")[0]
        page.route(lambda address: address.split("#")[0] == target, serve(html))
        page.goto(url, wait_until="load")
        assert page.locator("h1").inner_text().strip() == heading, url
        page.evaluate(source)
        found: list[dict[str, Any]] = page.evaluate(AXE_RUN)
        return [v for v in found if v["impact"] in SEVERE]
    finally:
        page.close()
