"""Named refusals of a core service mapped to what the page says: looked up by class.

A view that answers a refusal with its own page (the form again, refilled;
the login page with what was typed) keeps a map from the exception classes to
what differs between them and catches exactly those classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


def by_class(table: Mapping[type[Exception], T], exc: Exception) -> T:
    """The entry for ``exc``'s nearest class in ``table`` (a subclass wins over its base).

    Raises LookupError for an exception none of the table's classes covers:
    callers catch ``tuple(table)`` only, so that is a programming error.
    """
    for cls in type(exc).__mro__:
        if cls in table:
            return table[cls]
    raise LookupError(type(exc).__name__)
