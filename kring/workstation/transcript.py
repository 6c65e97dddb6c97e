"""The readable transcript of a conversation: plain text and a script-free HTML page."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import urllib.parse
from collections.abc import Iterator, Sequence
from itertools import groupby

from kring.readable import human_size
from kring.workstation.authorship import NOT_FROM_REPORTER, Authorship, describe

# The page is opened from disk in a browser: forbid every script, frame,
# image and network request; only the embedded stylesheet may apply.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
_STYLE = """
body { font: 16px/1.5 sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }
h2 { border-bottom: 1px solid #999; margin-top: 2rem; font-size: 1.1rem; }
.entry { margin: 1rem 0; padding: .5rem .75rem; border-left: 4px solid #999; }
.reporter { border-color: #1565c0; }
.confidant { border-color: #2e7d32; background: #f4f9f4; }
.who { font-weight: bold; }
.text { white-space: pre-wrap; margin: .25rem 0 0; }
.problem { color: #b00020; font-weight: bold; }
.unproven { border-color: #b00020; background: #fdecea; }
.verdict { font-size: .9rem; color: #555; }
.alarm { color: #b00020; font-weight: bold; border: 2px solid #b00020; padding: .5rem; }
"""


@dataclasses.dataclass(frozen=True)
class TranscriptEntry:
    """One item of the conversation as the confidant will read it."""

    seq: int
    kind: str
    day: dt.date
    author: str  # "reporter" or "confidant:<name>"
    text: str | None = None
    file_path: str | None = None  # relative to the conversation folder
    file_size: int = 0
    problem: str | None = None
    authorship: Authorship = Authorship.NOT_OPENED

    @property
    def who(self) -> str:
        """'Reporter' or '<name> (confidant)'."""
        if self.author.startswith("confidant:"):
            return f"{self.author.removeprefix('confidant:')} (confidant)"
        return "Reporter"


def unproven(entries: Sequence[TranscriptEntry]) -> list[TranscriptEntry]:
    """Entries whose author is not proven (see kring.workstation.authorship)."""
    return [e for e in entries if not e.authorship.proven]


def summary_alarm(entries: Sequence[TranscriptEntry]) -> str | None:
    """The warning at the top of the transcript and of the CLI summary, if any."""
    flagged = unproven(entries)
    if not flagged:
        return None
    seqs = ", ".join(f"#{e.seq}" for e in flagged)
    return (
        f"WARNING: {len(flagged)} item(s) marked as from the reporter are {NOT_FROM_REPORTER} "
        f"(or cannot be shown to be): {seqs}. Someone with access to the server may have "
        "made them up. Do not act on them without checking with the reporter."
    )


def _by_day(entries: Sequence[TranscriptEntry]) -> Iterator[tuple[dt.date, list[TranscriptEntry]]]:
    ordered = sorted(entries, key=lambda e: e.seq)
    for day, group in groupby(ordered, key=lambda e: e.day):
        yield day, list(group)


def _what(entry: TranscriptEntry) -> str:
    return {"message": "message", "reply": "reply", "file": "file"}.get(entry.kind, entry.kind)


def render_text(designation: str, created_on: dt.date, entries: Sequence[TranscriptEntry]) -> str:
    """The transcript as plain text, in conversation order, grouped by day."""
    lines = [
        f"Kring conversation: {designation}",
        f"Bundle made on {created_on.isoformat()}; {len(entries)} item(s).",
        "Times are kept per day only, on purpose.",
        "",
    ]
    alarm = summary_alarm(entries)
    if alarm:
        lines += [alarm, ""]
    for day, group in _by_day(entries):
        lines += [f"=== {day.isoformat()} ===", ""]
        for entry in group:
            lines.append(f"[{entry.seq}] {entry.who} - {_what(entry)}")
            if not entry.problem:
                lines.append(f"    ({describe(entry.authorship)})")
            if entry.problem:
                lines.append(f"    NOT OPENED: {entry.problem}")
            elif entry.file_path is not None:
                lines.append(f"    file: {entry.file_path} ({human_size(entry.file_size)})")
            if entry.text is not None and not entry.problem:
                lines += [f"    {line}" for line in entry.text.splitlines() or [""]]
            lines.append("")
    return "\n".join(lines)


def render_html(designation: str, created_on: dt.date, entries: Sequence[TranscriptEntry]) -> str:
    """The transcript as a self-contained HTML page without any script.

    Invariant: every piece of reporter- or confidant-written text is
    HTML-escaped, and a Content-Security-Policy forbids scripts and network
    requests, so opening the page cannot run code or call out.
    """
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>Kring conversation: {esc(designation)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Kring conversation: {esc(designation)}</h1>",
        f"<p>Bundle made on {created_on.isoformat()}; {len(entries)} item(s). "
        "Times are kept per day only, on purpose.</p>",
    ]
    alarm = summary_alarm(entries)
    if alarm:
        parts.append(f'<p class="alarm" role="alert">{esc(alarm)}</p>')
    for day, group in _by_day(entries):
        parts.append(f"<h2>{day.isoformat()}</h2>")
        for entry in group:
            side = "confidant" if entry.author.startswith("confidant:") else "reporter"
            flag = "" if entry.authorship.proven else " unproven"
            parts.append(f'<div class="entry {side}{flag}" id="item-{entry.seq}">')
            parts.append(
                f'<div><span class="who">{esc(entry.who)}</span> &middot; {_what(entry)} '
                f"&middot; #{entry.seq}</div>"
            )
            if not entry.problem:
                css = "verdict" if entry.authorship.proven else "problem"
                parts.append(f'<p class="{css}">{esc(describe(entry.authorship))}</p>')
            if entry.problem:
                parts.append(f'<p class="problem">Not opened: {esc(entry.problem)}</p>')
            elif entry.file_path is not None:
                href = esc(urllib.parse.quote(entry.file_path), quote=True)
                parts.append(
                    f'<p>File: <a href="{href}">{esc(entry.file_path)}</a> '
                    f"({human_size(entry.file_size)})</p>"
                )
            if entry.text is not None and not entry.problem:
                parts.append(f'<p class="text">{esc(entry.text)}</p>')
            parts.append("</div>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
