"""The information pages a new instance starts with, in English, Dutch and Spanish.

Written for Kring (not copied from anywhere), meant to be adapted by each
organisation's admins. Each file starts with ``key: value`` lines (title,
summary, kind, position; ``change`` for the code of conduct), then ``---``,
then the Markdown body.
"""

from __future__ import annotations

import dataclasses
from importlib import resources

LANGUAGES = ("en", "nl", "es")
CONDUCT_FILE = "code-of-conduct.md"


@dataclasses.dataclass(frozen=True)
class DefaultPage:
    """A shipped page in one language."""

    slug: str
    language: str
    kind: str
    position: int
    title: str
    summary: str
    body_md: str


@dataclasses.dataclass(frozen=True)
class DefaultConduct:
    """The shipped first version of the code of conduct in one language."""

    language: str
    title: str
    change_summary: str
    body_md: str


def _parse(text: str) -> tuple[dict[str, str], str]:
    head, _, body = text.partition("\n---\n")
    meta = {}
    for line in head.splitlines():
        key, _, value = line.partition(":")
        meta[key.strip()] = value.strip()
    return meta, body.strip() + "\n"


def load_default_pages() -> list[DefaultPage]:
    """Every shipped page in every language."""
    pages = []
    for language in LANGUAGES:
        folder = resources.files(__package__) / language
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".md") or entry.name == CONDUCT_FILE:
                continue
            meta, body = _parse(entry.read_text(encoding="utf-8"))
            pages.append(
                DefaultPage(
                    slug=entry.name.removesuffix(".md"),
                    language=language,
                    kind=meta.get("kind", "page"),
                    position=int(meta.get("position", "100")),
                    title=meta["title"],
                    summary=meta.get("summary", ""),
                    body_md=body,
                )
            )
    return pages


def load_default_conduct() -> list[DefaultConduct]:
    """The shipped code of conduct (version 1) in every language."""
    out = []
    for language in LANGUAGES:
        entry = resources.files(__package__) / language / CONDUCT_FILE
        meta, body = _parse(entry.read_text(encoding="utf-8"))
        out.append(
            DefaultConduct(
                language=language,
                title=meta["title"],
                change_summary=meta.get("change", ""),
                body_md=body,
            )
        )
    return out
