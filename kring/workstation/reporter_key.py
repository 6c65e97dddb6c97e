"""The reporter key a bundle names, pinned on first use, and the verdict on each item.

The first bundle of a conversation whose reporter items its key signed pins that key
(``reporter-key-fingerprint.txt``); a later bundle naming another key has its reporter items
marked, never silently trusted.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from kring.crypto.bundle import REPORTER, ManifestItem
from kring.crypto.decrypt_stream import SignatureCheck
from kring.workstation.authorship import Authorship, judge_reporter_item
from kring.workstation.open_report import OpenReport
from kring.workstation.run_writer import RunWriter

# The fingerprint of the reporter key the first bundle of a conversation named;
# a later bundle naming another key is marked (trust on first use).
REPORTER_KEY_PIN = "reporter-key-fingerprint.txt"


class ReporterKeyCheck:
    """The reporter key of this conversation, and the verdict on each item."""

    def __init__(
        self, folder: Path, signer: tuple[os.PathLike[str], str] | None, report: OpenReport
    ) -> None:
        self.keyring = signer[0] if signer else None
        self.fingerprint = signer[1] if signer else None
        self._pin_path = folder / REPORTER_KEY_PIN
        pinned = None
        with contextlib.suppress(OSError, UnicodeDecodeError):
            pinned = self._pin_path.read_text("ascii").strip() or None
        self.pinned = pinned
        self.pinned_mismatch = bool(pinned and self.fingerprint and pinned != self.fingerprint)
        report.reporter_key = self.fingerprint
        if self.fingerprint is None:
            report.warnings.append(
                "the bundle names no usable reporter key: no reporter item can be shown to "
                "come from the person who holds this codename"
            )
        elif self.pinned_mismatch:
            report.warnings.append(
                f"the bundle names reporter key {self.fingerprint}, but earlier bundles of "
                f"this conversation named {pinned}: its reporter items are marked"
            )
        self._report = report
        self.signed_any = False

    def judge(self, item: ManifestItem, check: SignatureCheck) -> Authorship:
        """The verdict on one decrypted item: a reply is the confidants', a reporter item
        is proven only by this conversation's key."""
        if item.author != REPORTER:
            return Authorship.CONFIDANT_REPLY
        verdict = judge_reporter_item(
            check, expected=self.fingerprint, pinned_mismatch=self.pinned_mismatch
        )
        if verdict is Authorship.VERIFIED:
            self.signed_any = True
        return verdict

    def finish(self, writer: RunWriter) -> None:
        """Pin the key after a first bundle that it signed; warn if it signed nothing."""
        reporter_items = [
            e for e in self._report.entries if e.author == REPORTER and e.problem is None
        ]
        if self.fingerprint and reporter_items and not self.signed_any:
            self._report.warnings.append(
                f"the bundle names reporter key {self.fingerprint}, but none of its "
                "reporter items is signed by it"
            )
        if self.fingerprint and self.signed_any and self.pinned is None:
            writer.write_atomic(REPORTER_KEY_PIN, (self.fingerprint + "\n").encode("ascii"))
