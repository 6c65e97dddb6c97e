"""A rough passphrase strength meter for the key setup (no dependency, no network)."""

from __future__ import annotations

import dataclasses
import math
import string

from kring.workstation.prompts import MIN_PASSPHRASE_CHARS

# Levels, weakest first; the app shows them as words and as a filled bar.
TOO_SHORT, WEAK, FAIR, STRONG = "too short", "weak", "fair", "strong"


@dataclasses.dataclass(frozen=True)
class Strength:
    """The verdict on a passphrase: a level, an estimate in bits, and whether it is allowed."""

    level: str
    bits: int

    @property
    def acceptable(self) -> bool:
        """True when the key may be created with it (the CLI's minimum length rule)."""
        return self.level != TOO_SHORT

    @property
    def percent(self) -> int:
        """0-100 for a progress-bar meter (100 at 80 bits)."""
        return min(100, self.bits * 100 // 80)


def estimate(passphrase: str) -> Strength:
    """Estimate the strength of ``passphrase``.

    Invariant: never says more than the characters allow: the estimate is
    length times log2 of the character pool actually used, with repeated
    characters and runs counted once, so "aaaaaaaaaaaa" or "123456789012"
    stay weak however long they are. Anything shorter than the CLI's minimum
    is TOO_SHORT and not acceptable.
    """
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        return Strength(TOO_SHORT, 0)
    pool = 0
    if any(c in string.ascii_lowercase for c in passphrase):
        pool += 26
    if any(c in string.ascii_uppercase for c in passphrase):
        pool += 26
    if any(c in string.digits for c in passphrase):
        pool += 10
    if any(c in " " for c in passphrase):
        pool += 1
    if any(not c.isascii() or c in string.punctuation for c in passphrase):
        pool += 33
    effective = 1
    for previous, current in zip(passphrase, passphrase[1:], strict=False):
        if current != previous and abs(ord(current) - ord(previous)) != 1:
            effective += 1  # a repeat or a run (abc, 123) adds almost nothing
    bits = int(effective * math.log2(max(pool, 2)))
    if bits < 50:
        return Strength(WEAK, bits)
    if bits < 70:
        return Strength(FAIR, bits)
    return Strength(STRONG, bits)
