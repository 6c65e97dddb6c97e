"""Template filters: fingerprints in groups of four, sizes, days."""

from __future__ import annotations

import datetime as dt

from flask_babel import format_date


def fingerprint_groups(fingerprint: str | None) -> str:
    """``"0123ABCD..."`` -> ``"0123 ABCD ..."`` (easier to compare aloud)."""
    if not fingerprint:
        return ""
    return " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4))


def human_size(size: int) -> str:
    """Bytes as a short human number (decimal units)."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"


def day(value: dt.date | None) -> str:
    """A day in the page's language (``format_date`` medium)."""
    if value is None:
        return ""
    return str(format_date(value, "medium"))
