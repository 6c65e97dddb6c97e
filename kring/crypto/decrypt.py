"""Decrypting small ciphertexts with a passphrase-locked secret key, in memory."""

from __future__ import annotations

from collections.abc import Sequence

from kring.crypto.ephemeral import ephemeral_home
from kring.crypto.errors import BadPassphrase, DecryptionFailed
from kring.crypto.gpg import status_lines


def decrypt_with_locked_key(
    secret_key: str, passphrase: str, ciphertexts: Sequence[bytes]
) -> list[bytes]:
    """Decrypt each ciphertext with ``secret_key`` unlocked by ``passphrase``.

    Invariant: the key is imported into a throwaway gpg home on tmpfs that is
    destroyed (agent stopped, folder removed) before this returns; plaintext is
    returned in memory and never written anywhere. Raises BadPassphrase when
    the passphrase does not unlock the key, DecryptionFailed otherwise.
    """
    if not ciphertexts:
        return []
    with ephemeral_home("kring-reply-") as home:
        imported = home.run(["--import"], input_bytes=secret_key.encode())
        if imported.returncode != 0:
            raise DecryptionFailed("the reply key could not be loaded")
        results = []
        for ciphertext in ciphertexts:
            out = home.run_unlocked(
                passphrase, ["--status-fd", "2", "--decrypt"], input_bytes=ciphertext
            )
            tokens = {line[0] for line in status_lines(out.stderr) if line}
            if "BAD_PASSPHRASE" in tokens:
                raise BadPassphrase("the passphrase does not unlock the key")
            if out.returncode != 0 or "DECRYPTION_OKAY" not in tokens:
                raise DecryptionFailed("a message could not be decrypted")
            results.append(out.stdout)
        return results
