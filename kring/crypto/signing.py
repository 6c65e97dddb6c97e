"""A reporter's key, unlocked for one submission, so that each item is also signed.

Why: a confidant must be able to tell a reporter's message from one the server
(or whoever controls its disk) made up by encrypting to the confidant's public
key. Every item a reporter submits is signed inside the encryption
(``gpg --sign --encrypt`` in one pass, still a stream): the signature is only
visible to the confidant, so it does not let the server confirm a guessed
plaintext against the reporter's public key.

Invariant: the reporter's secret key is imported, still locked, into a
throwaway tmpfs gpg home; the passphrase derived from the codename reaches gpg
only through a pipe when it signs; the home (and its agent, which caches the
unlocked key) is destroyed by ``close``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from kring.crypto.ephemeral import ephemeral_home
from kring.crypto.errors import EncryptionFailed
from kring.crypto.gpg import GpgHome, pipe_with_content


class ReporterSigner:
    """The reporter's signing key in a tmpfs home, for the length of one submission."""

    def __init__(self, secret_key: str, passphrase: str) -> None:
        self._stack = contextlib.ExitStack()
        self.home: GpgHome = self._stack.enter_context(ephemeral_home("kring-sign-"))
        try:
            imported = self.home.run(["--import"], input_bytes=secret_key.encode())
            listed = self.home.run(["--with-colons", "--list-secret-keys"])
            fingerprints = [
                line.split(":")[9]
                for line in listed.stdout.decode("ascii", "replace").splitlines()
                if line.startswith("fpr:")
            ]
            if imported.returncode != 0 or not fingerprints:
                raise EncryptionFailed("the reporter's key could not be loaded for signing")
        except BaseException:
            self._stack.close()
            raise
        self.fingerprint = fingerprints[0]
        self._passphrase = passphrase

    def passphrase_fd(self) -> int:
        """A fresh pipe holding the passphrase (the caller passes it to gpg and closes it)."""
        return pipe_with_content(self._passphrase.encode("utf-8") + b"\n")

    def args(self, passphrase_fd: int) -> list[str]:
        """The gpg options that sign with this key (added to an --encrypt call)."""
        return [
            "--sign",
            "--local-user",
            self.fingerprint,
            "--pinentry-mode",
            "loopback",
            "--passphrase-fd",
            str(passphrase_fd),
        ]

    def close(self) -> None:
        """Stop the agent and remove the home (the unlocked key goes with it)."""
        self._stack.close()


@contextlib.contextmanager
def public_keyring(armored: str) -> Iterator[tuple[os.PathLike[str], str] | None]:
    """A keyring file holding exactly one public key, for checking signatures.

    Yields (keyring path, primary fingerprint), or None when ``armored`` is not
    exactly one usable OpenPGP public key (none, garbage, or several keys: a
    bundle must not smuggle a second "reporter" key in). The keyring lives in a
    throwaway home: the confidant's own keyring never learns reporters' keys.
    """
    with ephemeral_home("kring-verify-") as home:
        imported = home.run(
            ["--import-options", "import-minimal", "--import"], input_bytes=armored.encode()
        )
        listed = home.run(["--with-colons", "--list-keys"])
        lines = listed.stdout.decode("ascii", "replace").splitlines()
        primaries = [line for line in lines if line.startswith("pub:")]
        fingerprint = None
        for index, line in enumerate(lines):
            if line.startswith("pub:") and index + 1 < len(lines):
                following = lines[index + 1]
                if following.startswith("fpr:"):
                    fingerprint = following.split(":")[9]
                break
        keyring = home.path / "pubring.kbx"
        if imported.returncode != 0 or len(primaries) != 1 or not fingerprint:
            yield None
            return
        yield keyring, fingerprint
