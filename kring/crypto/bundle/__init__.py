"""The Kring bundle: a zip of already-encrypted conversation items plus a manifest.

Defined once here: the server writes bundles (journalist_ui downloads), the
air-gapped workstation reads them. Layout (format version 1)::

    items/<seq>.gpg   one OpenPGP ciphertext per item, ZIP_STORED
    manifest.json     {"format": "kring-bundle", "version": 1, "designation": ...,
                       "created_on": "YYYY-MM-DD", "items": [{"seq", "kind",
                       "author", "day", "entry", "sha256", "size"}, ...],
                       "reporter_key": "<armored public key>"}

``reporter_key`` (optional; absent in older bundles) is the public key of the
reporter's conversation key pair: every item the reporter wrote is signed with
it inside the encryption, and the workstation checks that each one is.

Nothing in the bundle is plaintext except the manifest, which holds only what
the server already knows (designation, days, who wrote). Original file names
live only inside the ciphertext (gpg ``--set-filename``).

The manifest and its checks are in ``manifest``, the server's side in ``writer``, the
workstation's in ``reader``; the names below are the whole public surface.
"""

from __future__ import annotations

from kring.crypto.bundle.manifest import (
    BUNDLE_FORMAT,
    BUNDLE_VERSION,
    CONFIDANT_PREFIX,
    ITEM_KINDS,
    MANIFEST_NAME,
    MAX_REPORTER_KEY_CHARS,
    REPORTER,
    BundleItem,
    BundleLimits,
    BundleManifest,
    ItemKind,
    ManifestItem,
    entry_name,
    parse_manifest,
)
from kring.crypto.bundle.reader import BundleReader, VerifiedItemStream, open_bundle
from kring.crypto.bundle.writer import write_bundle

__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_VERSION",
    "CONFIDANT_PREFIX",
    "ITEM_KINDS",
    "MANIFEST_NAME",
    "MAX_REPORTER_KEY_CHARS",
    "REPORTER",
    "BundleItem",
    "BundleLimits",
    "BundleManifest",
    "BundleReader",
    "ItemKind",
    "ManifestItem",
    "VerifiedItemStream",
    "entry_name",
    "open_bundle",
    "parse_manifest",
    "write_bundle",
]
