"""What a reporter chose and typed, carried back into a form after an error.

Invariant: a FormEcho lives only in the memory of one request and in the HTML
of the page that answers it (responses are ``no-store``); it is never put in
the session, the database, a log or a file. Files cannot be carried back (a
browser cannot be told to re-attach them): ``files`` only counts how many the
page must say were not kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

# The form's own field names; a draft carried through the login page uses them
# with DRAFT_PREFIX, so they cannot be mistaken for the login form's fields.
FIELDS = ("recipient", "path", "category", "counted", "unit", "keep_copy", "message")
DRAFT_PREFIX = "draft_"
# A carried message is at most what the submit form accepts (4 bytes a char).
_MAX_FIELD = 4096


@dataclasses.dataclass
class FormEcho:
    """The submit form's choices and text, as the reporter left them."""

    recipient: str = ""
    path: str = ""
    category: str = ""
    counted: str = ""
    unit: str = ""
    keep_copy: str = ""
    message: str = ""
    files: int = 0

    def set(self, name: str, value: str) -> None:
        """Keep one field (unknown names are ignored)."""
        if name in FIELDS:
            setattr(self, name, value)

    @property
    def has_text(self) -> bool:
        """Whether there is anything worth carrying (a choice or some text)."""
        return any(getattr(self, name) for name in FIELDS)

    def as_draft_fields(self) -> list[tuple[str, str]]:
        """Hidden-field pairs that carry this echo through another form."""
        return [
            (DRAFT_PREFIX + name, getattr(self, name)) for name in FIELDS if getattr(self, name)
        ]

    @classmethod
    def from_draft_fields(cls, form: Mapping[str, str], *, max_message: int) -> FormEcho | None:
        """The echo carried in ``form``'s ``draft_*`` fields, or None when there is none."""
        echo = cls()
        for name in FIELDS:
            limit = max_message if name == "message" else _MAX_FIELD
            echo.set(name, form.get(DRAFT_PREFIX + name, "")[:limit])
        return echo if echo.has_text else None
