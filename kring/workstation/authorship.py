"""Who wrote an item: the per-item verdict of ``kring-workstation open``.

A reporter item is proven to come from the person who holds the codename only
when it is signed by the reporter's key that the bundle names (and that
earlier bundles of the same conversation named). Anything else is marked,
never silently accepted: the server, or whoever controls its disk, can
encrypt an invented "reporter" message to a confidant's public key, but it
cannot sign with a key only the codename unlocks.
"""

from __future__ import annotations

import enum

from kring.crypto.decrypt_stream import SignatureCheck

NOT_FROM_REPORTER = "not written by the person who holds this codename"


class Authorship(enum.StrEnum):
    """The verdict on one item (data for the CLI, the transcript and the desktop app)."""

    VERIFIED = "verified"  # signed by this conversation's reporter key
    UNSIGNED = "unsigned"  # a reporter item without a signature
    OTHER_KEY = "other_key"  # signed, but by another key (or one the bundle does not name)
    BAD_SIGNATURE = "bad_signature"  # a signature that does not match the text
    NO_REPORTER_KEY = "no_reporter_key"  # the bundle names no usable reporter key
    KEY_CHANGED = "key_changed"  # the bundle names another key than earlier bundles did
    CONFIDANT_REPLY = "confidant_reply"  # written by a confidant's account on the server
    NOT_OPENED = "not_opened"  # refused (not decrypted), so nothing could be checked

    @property
    def proven(self) -> bool:
        """True where nothing about the author needs a warning."""
        return self in (Authorship.VERIFIED, Authorship.CONFIDANT_REPLY, Authorship.NOT_OPENED)


def judge_reporter_item(
    signature: SignatureCheck, *, expected: str | None, pinned_mismatch: bool
) -> Authorship:
    """The verdict for a decrypted reporter item.

    ``expected``: the fingerprint of the reporter key the bundle names (None
    when it names no usable key); ``pinned_mismatch``: that key differs from
    the one earlier bundles of this conversation named.
    """
    if signature.state == "none":
        return Authorship.UNSIGNED
    if signature.state == "bad":
        return Authorship.BAD_SIGNATURE
    if expected is None:
        return Authorship.NO_REPORTER_KEY
    if signature.state != "good" or signature.fingerprint.upper() != expected.upper():
        return Authorship.OTHER_KEY
    if pinned_mismatch:
        return Authorship.KEY_CHANGED
    return Authorship.VERIFIED


def describe(verdict: Authorship) -> str:
    """One line for the transcript and the summary (English, like the rest of the tool)."""
    return {
        Authorship.VERIFIED: "signed by the reporter's key",
        Authorship.UNSIGNED: f"UNSIGNED: {NOT_FROM_REPORTER}",
        Authorship.OTHER_KEY: f"SIGNED BY ANOTHER KEY: {NOT_FROM_REPORTER}",
        Authorship.BAD_SIGNATURE: f"SIGNATURE DOES NOT MATCH: {NOT_FROM_REPORTER}",
        Authorship.NO_REPORTER_KEY: (
            f"CANNOT BE CHECKED (the bundle names no reporter key): may be {NOT_FROM_REPORTER}"
        ),
        Authorship.KEY_CHANGED: (
            "SIGNED BY A DIFFERENT REPORTER KEY THAN EARLIER BUNDLES OF THIS CONVERSATION: "
            f"{NOT_FROM_REPORTER}"
        ),
        Authorship.CONFIDANT_REPLY: "a confidant's reply, written in journalist_ui (not signed)",
        Authorship.NOT_OPENED: "not opened, so not checked",
    }[verdict]
