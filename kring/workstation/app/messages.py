"""What the app tells the confidant when opening fails or an item is refused.

Each failure that ``open`` recognises gets its own plain-language message in
the current language, saying what happened, that nothing was kept, and what
to do next. The technical detail from kring.crypto follows in small print.
"""

from __future__ import annotations

import dataclasses

from kring.crypto.errors import (
    BadPassphrase,
    BundleTooLarge,
    CryptoError,
    ItemChecksumMismatch,
    TargetDiskFull,
    UnknownBundleVersion,
    UnsafeBundleEntry,
)
from kring.readable import human_size
from kring.workstation.app.i18n import Translator
from kring.workstation.opening import OpenAborted


@dataclasses.dataclass(frozen=True)
class Problem:
    """A message for the confidant: a headline, what to do, and the technical detail."""

    headline: str
    advice: str
    detail: str = ""


def bundle_refused(exc: BaseException, t: Translator) -> Problem:
    """A bundle refused as a whole before anything was decrypted (or a file unreadable)."""
    detail = str(exc)
    if isinstance(exc, UnsafeBundleEntry):
        return Problem(
            t("This bundle contains unsafe entries and was refused."),
            t(
                "It holds paths outside its folder or links, which Kring never makes: it may "
                "have been tampered with. Nothing was written. Download the bundle again in "
                "Kring; if this happens again, tell your admin."
            ),
            detail,
        )
    if isinstance(exc, BundleTooLarge):
        return Problem(
            t("This bundle is too large or unpacks to far more than its size."),
            t(
                "It looks like a \"zip bomb\" and was refused. Nothing was written. Download the "
                "bundle again in Kring; if this happens again, tell your admin."
            ),
            detail,
        )
    if isinstance(exc, UnknownBundleVersion):
        return Problem(
            t("This bundle was made by a newer version of Kring."),
            t("Nothing was written. Install the newer Kring workstation software, then open it."),
            detail,
        )
    if isinstance(exc, ItemChecksumMismatch):
        return Problem(
            t("This bundle was damaged or altered on the way."),
            t("Nothing was written. Download the bundle again in Kring and copy it once more."),
            detail,
        )
    if isinstance(exc, OSError):
        return Problem(
            t("This file cannot be read."),
            t("Check that the USB stick is still plugged in and try again."),
            exc.strerror or detail,
        )
    return Problem(
        t("This is not a Kring bundle, or it is damaged."),
        t(
            "Nothing was written. Choose the .zip file you downloaded in Kring; if it is the "
            "right one, download it again."
        ),
        detail,
    )


def open_failed(exc: BaseException, t: Translator, *, needed_bytes: int = 0) -> Problem:
    """Opening stopped part-way; what it wrote was removed (OpenAborted and the rest)."""
    cause = exc.cause if isinstance(exc, OpenAborted) else exc
    if isinstance(cause, BadPassphrase):
        return Problem(
            t("Wrong passphrase: your key could not be unlocked."),
            t("Nothing was written. Type the passphrase again (mind Caps Lock and the keyboard "
              "layout)."),
        )
    if isinstance(cause, TargetDiskFull):
        return Problem(
            t("The disk is full."),
            t(
                "Nothing from this bundle was kept. Free at least {size} (or choose a folder on "
                "another disk) and open it again.",
                size=human_size(needed_bytes),
            ),
            str(cause),
        )
    if isinstance(cause, CryptoError) and not isinstance(exc, OpenAborted):
        return bundle_refused(cause, t)
    return Problem(
        t("The bundle could not be opened."),
        t("Nothing was written. Try again; if it keeps failing, note the detail below for your "
          "admin."),
        str(exc),
    )


def item_refused(problem: str, t: Translator) -> str:
    """One refused item, from the reason ``open`` recorded, in the current language."""
    if problem.startswith("encrypted for key"):
        return t(
            "Not opened: this item was encrypted for another confidant's key, not yours. Ask "
            "the confidant who holds that key."
        )
    if problem.startswith("checksum mismatch"):
        return t(
            "Not opened: this item was damaged or altered on the way. Download the bundle again."
        )
    return t("Not opened: this item could not be decrypted ({detail}).", detail=problem)


def all_for_another_key(refused: list[tuple[int, str]], total: int) -> bool:
    """True when every item was refused for another key: the bundle is someone else's."""
    return total > 0 and len(refused) == total and all(
        p.startswith("encrypted for key") for _, p in refused
    )
