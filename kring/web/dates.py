"""Days as both apps show them: one Babel format per language.

Invariant: only days are ever formatted (the server keeps no finer time of a
reporter's action); "medium" gives "Dec 1, 2026" in English and
"1 dec 2026" in Dutch, the same on every page of both apps.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import format_date


def day(value: dt.date | None) -> str:
    """A day in the page's language (``format_date`` medium); empty for None."""
    if value is None:
        return ""
    return str(format_date(value, "medium"))
