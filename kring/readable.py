"""Numbers and codes made readable by people: file sizes, groups of four.

A stdlib-only leaf: both apps and the air-gapped workstation import it, so a
size or a fingerprint reads the same on the server's pages and on the
confidant's screen. It imports nothing from Kring.
"""

from __future__ import annotations

_UNITS = ("B", "kB", "MB", "GB")


def human_size(size: int) -> str:
    """Bytes in decimal units as file managers show them: "512 B", "1.3 kB", "2.0 MB".

    Units stop at GB ("1500.0 GB"), the largest a drop ever handles.
    """
    value = float(size)
    for unit in _UNITS:
        if value < 1000 or unit == _UNITS[-1]:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable: the last unit always returns")


def group_by_four(text: str) -> str:
    """``"0123ABCD4567"`` -> ``"0123 ABCD 4567"``: easier to read aloud and compare."""
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
