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


class NoSecretKey(DecryptionFailed):
    """The ciphertext is not encrypted to any secret key in this gpg home.

    ``key_ids`` are the (sub)key ids gpg reports the ciphertext is encrypted
    to, so the user can be told which key it needs.
    """

    def __init__(self, message: str, key_ids: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.key_ids = key_ids


class OutputTooLarge(DecryptionFailed):
    """Decryption produced more plaintext than allowed (a compression bomb); nothing was kept."""


class TargetDiskFull(CryptoError):
    """The disk filled up while plaintext was being written; the partial file was removed."""


class BundleError(CryptoError):
    """Base class of every problem with a Kring bundle (the zip of encrypted items)."""


class MalformedBundle(BundleError):
    """The file is not a well-formed Kring bundle (not a zip, bad manifest, missing entry)."""


class UnknownBundleVersion(BundleError):
    """The manifest declares a bundle format version this code does not understand."""


class UnsafeBundleEntry(MalformedBundle):
    """A zip entry has an unsafe name (``..``, absolute path) or is a symlink."""


class BundleTooLarge(MalformedBundle):
    """The bundle exceeds the size or compression-ratio limits (a zip bomb)."""


class ItemChecksumMismatch(BundleError):
    """An item's ciphertext does not match the manifest's size or sha256 (truncated or altered)."""


class UnsafeEphemeralParent(CryptoError):
    """The folder for throwaway gpg homes is not a private folder of this user (a symlink,
    a file, or another user's folder took its name): no reporter key is put there."""
