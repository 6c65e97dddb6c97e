"""Content service: defaults, language fallback, code-of-conduct versions, Markdown safety."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from kring.core.content import conduct as content_conduct
from kring.core.content import pages as content_pages
from kring.core.content import rules, seeding
from kring.core.content.defaults import load_default_conduct, load_default_pages
from kring.core.content.markdown import ALLOWED_TAGS, is_same_origin, render_markdown
from kring.core.content.models import ContentPage
from kring.core.context import CoreContext

TOPICS = {"aggression", "discrimination", "bullying", "sexual-harassment", "integrity"}


def test_defaults_complete_in_both_languages() -> None:
    pages = load_default_pages()
    by_lang = {lang: {p.slug for p in pages if p.language == lang} for lang in ("en", "nl", "es")}
    assert by_lang["en"] == by_lang["nl"] == by_lang["es"]
    assert {"position", "after-you-write", "start-safely"} | TOPICS == by_lang["en"]
    assert {p.slug for p in pages if p.kind == "topic"} == TOPICS
    for page in pages:
        assert page.title and page.summary and len(page.body_md) > 800, page.slug
        if page.kind == "topic":
            # Recognisable examples, grey areas and bystander guidance on every topic.
            assert page.body_md.count("\n## ") >= 3, page.slug
        assert "http" not in page.body_md, page.slug
    conduct = load_default_conduct()
    assert {c.language for c in conduct} == {"en", "nl", "es"}
    assert all(c.change_summary for c in conduct)


def test_after_you_write_covers_every_path_and_the_legal_clock() -> None:
    page = next(
        p for p in load_default_pages() if p.slug == "after-you-write" and p.language == "en"
    )
    for words in (
        "Just talk",
        "Advice",
        "informal route",
        "formal complaint",
        "report of wrongdoing",
        "7 days",
        "3 months",
        "Who sees what",
        "How long things are kept",
    ):
        assert words in page.body_md, words


def test_new_instance_is_seeded(ctx: CoreContext) -> None:
    titles = {p.slug: p.title for p in content_pages.list_pages(ctx, "nl")}
    assert titles["bullying"] == "Pesten"
    assert content_conduct.conduct_version(ctx, "nl").title == "Gedragscode"
    # Seeding again adds nothing and keeps an admin's edits.
    content_pages.save_page(ctx, slug="position", language="en", title="Edited", summary="", body_md="x")
    assert seeding.seed_default_content(ctx.sessions, ctx.today()) == 0
    assert content_pages.get_page(ctx, "position", "en").title == "Edited"


def test_missing_or_blank_translation_falls_back_to_english(ctx: CoreContext) -> None:
    content_pages.save_page(ctx, slug="extra", language="en", title="Extra", summary="s", body_md="Text")
    page = content_pages.get_page(ctx, "extra", "nl")
    assert (page.title, page.language, page.is_fallback) == ("Extra", "en", True)
    content_pages.save_page(ctx, slug="extra", language="nl", title="Leeg", summary="", body_md="   ")
    assert content_pages.get_page(ctx, "extra", "nl").title == "Extra"
    content_pages.save_page(
        ctx, slug="extra", language="nl", title="Extra nl", summary="", body_md="Tekst"
    )
    page = content_pages.get_page(ctx, "extra", "nl")
    assert (page.title, page.is_fallback) == ("Extra nl", False)
    with pytest.raises(rules.ContentNotFound):
        content_pages.get_page(ctx, "nothing-here", "nl")


def test_new_conduct_version_needs_a_change_summary_and_keeps_history(ctx: CoreContext) -> None:
    body = content_conduct.conduct_version(ctx, "en").html
    assert body
    source = content_conduct.conduct_source(ctx, 1, "en")
    assert source is not None
    draft = content_conduct.ConductDraft("Code of conduct", source.body_md + "\n\n6.1 New rule.\n", "")
    with pytest.raises(rules.InvalidContent) as refused:
        content_conduct.publish_conduct_version(ctx, {"en": draft})
    assert refused.value.reason == "change_summary"
    number = content_conduct.publish_conduct_version(
        ctx, {"en": content_conduct.ConductDraft(draft.title, draft.body_md, "Added rule 6.1.")}
    )
    assert number == 2
    current = content_conduct.conduct_version(ctx, "en")
    assert current.number == 2 and current.is_current
    assert [c.change for c in current.changes] == ["added"]
    assert "6.1 New rule." in current.changes[0].text
    # Dutch readers get version 2 in English (no Dutch text yet), never a blank.
    nl = content_conduct.conduct_version(ctx, "nl")
    assert nl.number == 2 and nl.is_fallback
    history = content_conduct.conduct_history(ctx, "nl")
    assert [v.number for v in history] == [2, 1]
    assert not history[0].is_fallback or history[0].language == "en"
    assert history[1].language == "nl" and not history[1].is_current


def test_invalid_page_input_is_refused(ctx: CoreContext) -> None:
    for kwargs, reason in (
        ({"slug": "../etc"}, "slug"),
        ({"language": "de"}, "language"),
        ({"title": " "}, "title"),
        ({"kind": "script"}, "kind"),
        ({"body_md": "x" * 70_000}, "too_long"),
    ):
        args = {"slug": "ok", "language": "en", "title": "T", "summary": "", "body_md": "b"}
        args.update(kwargs)
        with pytest.raises(rules.InvalidContent) as refused:
            content_pages.save_page(ctx, **args)  # type: ignore[arg-type]
        assert refused.value.reason == reason
    with ctx.sessions() as db:
        assert db.scalar(select(ContentPage).where(ContentPage.slug == "ok")) is None


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<iframe src='https://evil.example/'></iframe>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1))",
        "[click](java\tscript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox)",
        "<a href='javascript:alert(1)'>x</a>",
        "<img src=x onerror=alert(1)>",
        "![remote](https://tracker.example/pixel.png)",
        "![remote](//tracker.example/pixel.png)",
        "<svg onload=alert(1)>",
        "<style>body{background:url(https://evil.example)}</style>",
        "[a](https://elsewhere.example/page)",
        "[a](mailto:someone@example.org)",
        '<div style="background:url(https://evil.example)">x</div>',
    ],
)
def test_markdown_never_yields_script_or_foreign_urls(source: str) -> None:
    html = render_markdown(source)
    tags = _tags(html)
    for tag, attrs in tags:
        assert tag in ALLOWED_TAGS, (tag, html)
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", html
            if name in ("href", "src"):
                assert value is not None and is_same_origin(value), html
                assert not value.lower().startswith(("javascript", "data", "mailto", "http")), html
    assert not any(tag in ("script", "iframe", "svg", "style") for tag, _ in tags)


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    collector = _TagCollector()
    collector.feed(html)
    return collector.tags


def test_markdown_keeps_ordinary_formatting_and_local_media() -> None:
    html = render_markdown(
        "# Big\n\n**bold** and [topic](bullying) and ![me](/media/abcdefghijklmnopqrstuvwx.jpg)\n\n"
        "[Authority](https://www.example.org/) "
    )
    assert "<h2>Big</h2>" in html and "<h1>" not in html
    assert "<strong>bold</strong>" in html
    assert '<a href="bullying" rel="noreferrer">topic</a>' in html
    assert '<img src="/media/abcdefghijklmnopqrstuvwx.jpg" alt="me">' in html
    # A foreign link is shown as text the reader may copy, never as a link.
    assert "Authority (https://www.example.org/)" in html
