"""Asking the confidant for a passphrase: at the terminal, or from a file descriptor."""

from __future__ import annotations

import getpass
import os

MIN_PASSPHRASE_CHARS = 12


class PassphraseError(Exception):
    """The passphrase could not be read or is not acceptable."""


def read_passphrase_fd(fd: int) -> str:
    """Read one line from an inherited file descriptor (for scripts; never argv).

    Invariant: the passphrase never appears on the command line or in the
    environment, where other users' ``ps`` could see it. An empty line is an
    empty passphrase (a key without one); nothing at all is an error.
    """
    data = b""
    while len(data) < 4096:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
        if b"\n" in data:
            break
    os.close(fd)
    if not data:
        raise PassphraseError(f"no passphrase could be read from file descriptor {fd}")
    line = data.split(b"\n", 1)[0].removesuffix(b"\r")
    return line.decode("utf-8")


def ask_passphrase(prompt: str = "Passphrase of your Kring key (Enter if it has none): ") -> str:
    """Ask for the existing passphrase at the terminal, without echo.

    An empty answer is passed on as it is: a key made without a passphrase
    opens with it, and a protected key refuses it as a wrong passphrase.
    """
    return getpass.getpass(prompt)


def ask_new_passphrase() -> str:
    """Ask twice for a new passphrase at the terminal and check it is long enough."""
    first = getpass.getpass(f"New passphrase (at least {MIN_PASSPHRASE_CHARS} characters): ")
    if len(first) < MIN_PASSPHRASE_CHARS:
        raise PassphraseError(
            f"the passphrase is too short; use at least {MIN_PASSPHRASE_CHARS} characters "
            "(several words are easiest to remember)"
        )
    if "\n" in first or "\r" in first:
        raise PassphraseError("the passphrase cannot contain line breaks")
    second = getpass.getpass("The same passphrase again: ")
    if first != second:
        raise PassphraseError("the two passphrases differ; nothing was created")
    return first
