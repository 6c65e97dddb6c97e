"""Spanish default content: shipped, seeded at init and by `content seed`, editable with versions."""

from __future__ import annotations

from sqlalchemy import delete

from kring.core.content import conduct as content_conduct
from kring.core.content import pages, seeding
from kring.core.content.defaults import load_default_conduct, load_default_pages
from kring.core.content.models import ConductVersion, ContentPage
from kring.core.context import CoreContext


def _spanish(slug: str) -> str:
    return next(p.body_md for p in load_default_pages() if p.slug == slug and p.language == "es")


def test_spanish_defaults_are_written_in_spanish() -> None:
    after = _spanish("after-you-write")
    for words in (
        "Solo hablar",
        "Consejo",
        "vía informal",
        "queja formal",
        "denuncia de irregularidades",
        "7 días",
        "3 meses",
        "Quién ve qué",
        "Cuánto tiempo se guardan",
    ):
        assert words in after, words
    for slug in ("aggression", "discrimination", "bullying", "sexual-harassment", "integrity"):
        body = _spanish(slug)
        for heading in ("## Ejemplos que se reconocen", "## Zonas grises", "## Si eres testigo"):
            assert heading in body, (slug, heading)
    assert "112" in _spanish("start-safely")
    # Internal links point to the same slugs as in the other languages.
    assert "](code-of-conduct)" in _spanish("position")
    assert "](after-you-write)" in _spanish("integrity")
    conduct = next(c for c in load_default_conduct() if c.language == "es")
    assert conduct.title == "Código de conducta" and "## 5. Revisión" in conduct.body_md


def test_new_instance_is_seeded_in_spanish(ctx: CoreContext) -> None:
    titles = {p.slug: p.title for p in pages.list_pages(ctx, "es")}
    assert titles["bullying"] == "Acoso laboral"
    assert titles["sexual-harassment"] == "Acoso sexual"
    page = pages.get_page(ctx, "after-you-write", "es")
    assert not page.is_fallback and "Solo hablar" in page.html
    conduct = content_conduct.conduct_version(ctx, "es")
    assert conduct.title == "Código de conducta" and not conduct.is_fallback


def test_content_seed_adds_spanish_to_an_instance_made_before_it(ctx: CoreContext) -> None:
    with ctx.sessions.begin() as db:
        db.execute(delete(ContentPage).where(ContentPage.language == "es"))
        db.execute(delete(ConductVersion).where(ConductVersion.language == "es"))
    assert pages.get_page(ctx, "bullying", "es").is_fallback
    english_day = content_conduct.conduct_version(ctx, "en").published_on

    written = seeding.seed_default_content(ctx.sessions, ctx.today())

    assert written == len([p for p in load_default_pages() if p.language == "es"]) + 1
    assert pages.get_page(ctx, "bullying", "es").title == "Acoso laboral"
    conduct = content_conduct.conduct_version(ctx, "es")
    assert conduct.number == 1 and not conduct.is_fallback
    assert conduct.published_on == english_day  # the same document, translated
    assert seeding.seed_default_content(ctx.sessions, ctx.today()) == 0


def test_seed_does_not_pair_a_translation_with_an_admins_own_conduct(ctx: CoreContext) -> None:
    with ctx.sessions.begin() as db:
        db.execute(delete(ConductVersion).where(ConductVersion.language == "es"))
    source = content_conduct.conduct_source(ctx, 1, "en")
    assert source is not None
    content_conduct.publish_conduct_version(
        ctx,
        {"en": content_conduct.ConductDraft("Code", source.body_md + "\n\n6.1 Ours.\n", "Added 6.1.")},
    )
    seeding.seed_default_content(ctx.sessions, ctx.today())
    assert content_conduct.conduct_source(ctx, 1, "es") is None
    assert content_conduct.conduct_version(ctx, "es").is_fallback


def test_admin_edits_spanish_with_the_same_versioning(ctx: CoreContext) -> None:
    pages.save_page(
        ctx,
        slug="bullying",
        language="es",
        title="Acoso en el trabajo",
        summary="Resumen nuevo.",
        body_md="Texto **nuevo**.",
    )
    page = pages.get_page(ctx, "bullying", "es")
    assert page.title == "Acoso en el trabajo" and "<strong>nuevo</strong>" in page.html
    source = content_conduct.conduct_source(ctx, 1, "en")
    spanish = content_conduct.conduct_source(ctx, 1, "es")
    assert source is not None and spanish is not None
    number = content_conduct.publish_conduct_version(
        ctx,
        {
            "en": content_conduct.ConductDraft(
                source.title, source.body_md + "\n\n6.1 New.\n", "Added 6.1."
            ),
            "es": content_conduct.ConductDraft(
                spanish.title, spanish.body_md + "\n\n6.1 Nueva.\n", "Se añadió la 6.1."
            ),
        },
    )
    current = content_conduct.conduct_version(ctx, "es")
    assert current.number == number == 2 and not current.is_fallback
    assert [c.change for c in current.changes] == ["added"]
    assert [v.number for v in content_conduct.conduct_history(ctx, "es")] == [2, 1]
