"""Template filters: fingerprints in groups of four, sizes, days (kring.web.dates), decimals."""

from __future__ import annotations

from flask_babel import format_decimal

from kring.web.dates import day as shared_day


def fingerprint_groups(fingerprint: str | None) -> str:
    """``"0123ABCD..."`` -> ``"0123 ABCD ..."`` (easier to compare aloud)."""
    if not fingerprint:
        return ""
    return " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4))


def human_size(size: int) -> str:
    """Bytes as a short human number (decimal units).

    Item sizes are buckets (kring.core.sizes), so they are shown as "≤ 2.0 MB".
    """
    return "≤ " + plain_size(size) if size else plain_size(size)


def plain_size(size: int) -> str:
    """Bytes as a short human number, no bucket (a store's use, a disk's free space)."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"


day = shared_day  # one day format for both apps (kring.web.dates)


def decimal(value: float) -> str:
    """A number in the page's language: ``4.5`` is "4,5" in Dutch and Spanish."""
    return str(format_decimal(value))
