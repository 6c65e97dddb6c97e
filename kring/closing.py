"""One ``with`` protocol for every handle Kring owns: leaving the block calls ``close()``.

A stdlib-only leaf (crypto's bundle reader, onion's tor handles, the devkit's network share
it). It imports nothing from Kring.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self


class ClosedOnExit:
    """A mixin: ``with handle:`` returns the handle and closes it however the block ends.

    Invariant: ``__exit__`` calls ``close()`` on success, on an exception and on Ctrl-C alike,
    and never swallows the exception. Subclasses define ``close()`` (safe to call twice) and
    may override ``__enter__`` to start what they own.
    """

    def close(self) -> None:
        """Release what the handle owns."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
