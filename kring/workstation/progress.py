"""A plain progress bar for large items (no third-party dependency)."""

from __future__ import annotations

import time
from typing import TextIO

from kring.readable import human_size

SHOW_FROM_BYTES = 4 * 1024 * 1024
_WIDTH = 30


class ProgressBar:
    """Redraws one terminal line: label, bar, bytes done of total."""

    def __init__(self, label: str, total: int, stream: TextIO, *, min_interval: float = 0.1):
        self.label = label
        self.total = max(total, 1)
        self.stream = stream
        self.min_interval = min_interval
        self._last = 0.0
        self._drawn = False
        self._ended = False

    def update(self, done: int) -> None:
        """Show ``done`` bytes, at most every ``min_interval`` seconds."""
        now = time.monotonic()
        if now - self._last < self.min_interval and done < self.total:
            return
        self._last = now
        filled = min(_WIDTH, _WIDTH * done // self.total)
        bar = "#" * filled + "." * (_WIDTH - filled)
        self.stream.write(f"\r  {self.label} [{bar}] {human_size(done)} / {human_size(self.total)}")
        self.stream.flush()
        self._drawn = True
        if done >= self.total:
            self.finish()

    def finish(self) -> None:
        """End the line (once) so the next output starts on a fresh one."""
        if self._drawn and not self._ended:
            self._ended = True
            self.stream.write("\n")
            self.stream.flush()
