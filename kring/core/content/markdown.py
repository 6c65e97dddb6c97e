"""Markdown for information pages: rendered on the server, then sanitised.

Two independent layers, so one mistake does not open the other:

1. markdown-it-py in CommonMark mode with raw HTML *off*: ``<script>`` in the
   source is shown as text, never passed through. Links and images that point
   to another origin are rewritten here: a link becomes its text followed by
   the address in plain text (a reporter can copy it deliberately, the page
   itself never points elsewhere), an image becomes its alt text.
2. nh3 (ammonia) with an allow-list of tags and attributes; URLs must be
   relative (no scheme at all), images must come from ``/media/``.

The output therefore never makes a browser contact another origin, carries no
script, event handler, style or iframe, and holds no ``javascript:`` URL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")
# Only the app's own media route may be an image source.
_MEDIA_SRC = re.compile(r"^/media/[A-Za-z0-9_\-]+\.[a-z0-9]{2,4}$")


def is_same_origin(url: str) -> bool:
    """Whether ``url`` can only ever resolve on this site.

    Invariant: no scheme (so no ``javascript:``, ``data:``, ``mailto:`` or
    ``https:``), no protocol-relative ``//host``, no backslash that some
    browsers read as a slash.
    """
    url = url.strip()
    if not url or "\\" in url or any(ord(ch) < 0x20 for ch in url):
        return False
    return not _SCHEME.match(url) and not url.startswith("//")


def _mark_foreign_links(state: Any) -> None:
    # Pair each link_open with its link_close so both can be rewritten.
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        stack: list[Token] = []
        for token in block.children:
            if token.type == "link_open":
                stack.append(token)
            elif token.type == "link_close" and stack:
                opener = stack.pop()
                href = str(opener.attrGet("href") or "")
                if not is_same_origin(href):
                    opener.meta["foreign"] = True
                    token.meta["foreign_href"] = href


def _link_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    if tokens[idx].meta.get("foreign"):
        return ""
    return str(self.renderToken(tokens, idx, options, env))


def _link_close(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    href = tokens[idx].meta.get("foreign_href")
    if href is not None:
        # Shown, not linked: copying an address is the reader's own act.
        return f" ({escapeHtml(href)})" if _SCHEME.match(href) and href.startswith("http") else ""
    return str(self.renderToken(tokens, idx, options, env))


def _image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children or [], options, env)
    if not _MEDIA_SRC.match(src):
        return escapeHtml(f"[{alt}]") if alt else ""
    return f'<img src="{escapeHtml(src)}" alt="{escapeHtml(alt)}">'


def _build() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.core.ruler.push("kring_foreign_links", _mark_foreign_links)
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("link_close", _link_close)
    md.add_render_rule("image", _image)
    return md


_MD = _build()


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr in ("href", "src") and not is_same_origin(value):
        return None
    if tag == "img" and attr == "src" and not _MEDIA_SRC.match(value):
        return None
    return value


def sanitise_html(html: str) -> str:
    """Reduce HTML to the allow-list: no script, style, iframe, handler or foreign URL."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        clean_content_tags={"script", "style"},
        url_schemes=set(),
        attribute_filter=_attribute_filter,
        link_rel="noreferrer",
        strip_comments=True,
    )


def render_markdown(source: str) -> str:
    """Render admin-written Markdown to safe HTML for reporter pages.

    Invariant: the result passes the nh3 allow-list above whatever the input;
    raw HTML in the source is escaped, never interpreted.
    """
    # Headings start at h2: the page title is the page's only h1.
    html = _MD.render(source or "").replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return sanitise_html(html)
