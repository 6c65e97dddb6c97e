"""Sizes as the server keeps and shows them: rounded up to a bucket.

Invariant: no size a reporter's file, message or a reply has is stored in the
database or shown on a page more exactly than its bucket, the next step of
the 1-2-5 series from 10 kB (10 kB, 20 kB, 50 kB, 100 kB, 200 kB, 500 kB,
1 MB, 2 MB, 5 MB, …; decimal units). A known internal document is not
recognisable by a size in the database. The ciphertext file itself still has
its exact length (docs/threat-model.md, "Sizes").
"""

from __future__ import annotations

SMALLEST_BUCKET = 10_000
_STEPS = (1, 2, 5)


def size_bucket(size: int) -> int:
    """The smallest bucket that holds ``size`` bytes (0 stays 0)."""
    if size <= 0:
        return 0
    magnitude = SMALLEST_BUCKET
    while True:
        for step in _STEPS:
            if size <= step * magnitude:
                return step * magnitude
        magnitude *= 10
