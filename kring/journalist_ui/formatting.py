"""Template filters: fingerprints in groups of four, sizes, days (kring.web.dates), decimals."""

from __future__ import annotations

from flask_babel import format_decimal

from kring.readable import group_by_four, human_size
from kring.web.dates import day as shared_day


def fingerprint_groups(fingerprint: str | None) -> str:
    """``"0123ABCD..."`` -> ``"0123 ABCD ..."`` (easier to compare aloud)."""
    return group_by_four(fingerprint) if fingerprint else ""


def item_size(size: int) -> str:
    """An item's stored size, in decimal units (kring.readable.human_size).

    Item sizes are buckets (kring.core.storage.sizes), so they are shown as "≤ 2.0 MB".
    """
    return "≤ " + human_size(size) if size else human_size(size)


day = shared_day  # one day format for both apps (kring.web.dates)


def decimal(value: float) -> str:
    """A number in the page's language: ``4.5`` is "4,5" in Dutch and Spanish."""
    return str(format_decimal(value))
