"""Named failures of the domain services; each maps to one page and status code."""

from __future__ import annotations


class KringError(Exception):
    """Base of every domain failure."""


class UnknownCodename(KringError):
    """No conversation belongs to this codename (or it was deleted)."""


class UnknownRecipient(KringError):
    """The chosen confidant does not exist or cannot receive reports."""


class NoRecipientAvailable(KringError):
    """No confidant has a usable public key yet, so nothing can be encrypted."""


class EmptySubmission(KringError):
    """Neither a message nor a file was given."""


class MessageTooLong(KringError):
    """The message is longer than the instance allows."""


class InvalidFileName(KringError):
    """A file name holds path separators or control characters, or is too long."""


class InvalidChoice(KringError):
    """A path or category value that Kring does not know."""


class SubmissionFailed(KringError):
    """Encryption or storage failed; the submission was not stored at all."""


class ItemNotFound(KringError):
    """The item does not exist in this conversation."""
