"""One exception per OpenPGP failure mode, so callers can tell the user what went wrong."""

from __future__ import annotations


class CryptoError(Exception):
    """Base class of every failure in kring.crypto."""


class GpgNotInstalled(CryptoError):
    """The gpg binary was not found on PATH (install Debian's gnupg package)."""


class InvalidPublicKey(CryptoError):
    """The given OpenPGP public key could not be read or is unusable for encryption."""


class WeakPublicKey(InvalidPublicKey):
    """The public key is readable but too weak, expired or signed with SHA-1."""


class KeyGenerationFailed(CryptoError):
    """gpg could not create a key pair."""


class EncryptionFailed(CryptoError):
    """gpg refused or failed to encrypt; nothing usable was produced."""


class DecryptionFailed(CryptoError):
    """gpg could not decrypt the ciphertext (wrong key, damaged data)."""


class BadPassphrase(DecryptionFailed):
    """The passphrase does not unlock the secret key."""
