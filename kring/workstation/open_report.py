"""What opening a bundle tells its caller: the report, and the two ways it can stop early."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from kring.workstation.authorship import Authorship
from kring.workstation.transcript import TranscriptEntry


@dataclasses.dataclass
class OpenReport:
    """What happened: where things went, what was opened, what was refused and why."""

    folder: Path
    entries: list[TranscriptEntry] = dataclasses.field(default_factory=list)
    refused: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    transcript_paths: list[Path] = dataclasses.field(default_factory=list)

    reporter_key: str | None = None  # fingerprint of the key the bundle names, if usable

    @property
    def opened(self) -> list[TranscriptEntry]:
        """Entries that were decrypted."""
        return [e for e in self.entries if e.problem is None]

    @property
    def verdicts(self) -> dict[int, Authorship]:
        """Each item's authorship verdict by seq (see kring.workstation.authorship)."""
        return {e.seq: e.authorship for e in self.entries}

    @property
    def unproven(self) -> list[TranscriptEntry]:
        """Decrypted items whose author is not proven: unsigned, another key, ..."""
        return [e for e in self.entries if not e.authorship.proven]


class OpenCancelled(BaseException):  # noqa: N818 - a request, like KeyboardInterrupt
    """The confidant cancelled the open (the desktop app's Cancel, or its window closed).

    A BaseException on purpose, like KeyboardInterrupt: it must pass through
    every ``except Exception`` in kring.crypto, so gpg is killed at once and
    the run's partial files and folders are removed, never reported as an
    item that "could not be decrypted".
    """


class OpenAborted(Exception):
    """Opening stopped part-way (wrong passphrase, full disk); what it wrote was removed."""

    def __init__(self, message: str, cause: BaseException) -> None:
        super().__init__(message)
        self.cause = cause
