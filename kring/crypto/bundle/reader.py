"""Reading a bundle on the workstation: every entry checked before any is read, every item
hashed while it streams."""

from __future__ import annotations

import hashlib
import re
import stat
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from kring.closing import ClosedOnExit
from kring.crypto.bundle.manifest import (
    CHUNK,
    ENTRY_RE,
    MANIFEST_NAME,
    BundleLimits,
    BundleManifest,
    ManifestItem,
    parse_manifest,
)
from kring.crypto.errors import (
    BundleTooLarge,
    ItemChecksumMismatch,
    MalformedBundle,
    UnsafeBundleEntry,
)


def _check_entry_name(name: str) -> None:
    parts = name.replace("\\", "/").split("/")
    if (
        name.startswith(("/", "\\"))
        or re.match(r"[A-Za-z]:", name)
        or ".." in parts
        or "\x00" in name
    ):
        raise UnsafeBundleEntry(f"unsafe entry name {name[:80]!r} (absolute or with '..')")


def _check_entries(archive: zipfile.ZipFile, limits: BundleLimits) -> dict[str, zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > limits.max_items + 1:
        raise BundleTooLarge(f"the bundle has {len(infos)} entries (limit {limits.max_items})")
    by_name: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        _check_entry_name(info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UnsafeBundleEntry(f"entry {info.filename[:80]!r} is a symlink")
        if info.filename in by_name:
            raise MalformedBundle(f"entry {info.filename[:80]!r} appears twice")
        if info.filename != MANIFEST_NAME and not ENTRY_RE.fullmatch(info.filename):
            raise MalformedBundle(f"unexpected entry {info.filename[:80]!r}")
        if info.flag_bits & 0x1:
            raise MalformedBundle(f"entry {info.filename!r} is zip-encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise MalformedBundle(f"entry {info.filename!r} uses an unsupported compression")
        if info.file_size > max(info.compress_size, 1) * limits.max_ratio:
            raise BundleTooLarge(
                f"entry {info.filename!r} expands {info.file_size} bytes from "
                f"{info.compress_size} (ratio limit {limits.max_ratio}): refused as a zip bomb"
            )
        total += info.file_size
        by_name[info.filename] = info
    if total > limits.max_total_bytes:
        raise BundleTooLarge(
            f"the bundle would expand to {total} bytes (limit {limits.max_total_bytes})"
        )
    return by_name


class _StoredEntry:
    """The bytes of a ZIP_STORED entry, read straight from the bundle file.

    zipfile would also compute a CRC-32 of every byte; the manifest's sha256
    is the check that counts, and skipping the second pass keeps opening close
    to gpg's own speed.
    """

    def __init__(self, path: Path, info: zipfile.ZipInfo) -> None:
        self._file = path.open("rb")
        try:
            self._file.seek(info.header_offset)
            header = self._file.read(30)
            if len(header) != 30 or header[:4] != b"PK\x03\x04":
                raise ItemChecksumMismatch(f"{info.filename}: local zip header is damaged")
            name_len, extra_len = struct.unpack("<HH", header[26:30])
            self._file.seek(info.header_offset + 30 + name_len + extra_len)
        except BaseException:
            self._file.close()
            raise
        self._left = info.compress_size

    def read(self, size: int = CHUNK) -> bytes:
        """Up to ``size`` bytes of the entry; b"" at its end."""
        wanted = min(size, self._left)
        data = self._file.read(wanted) if wanted else b""
        if len(data) < wanted:
            raise ItemChecksumMismatch("the bundle file ends inside an item (truncated)")
        self._left -= len(data)
        return data

    def close(self) -> None:
        """Close the file handle."""
        self._file.close()


class VerifiedItemStream(ClosedOnExit):
    """Reads one item's ciphertext and checks size and sha256 when it reaches the end.

    The check fires on the read that returns b"" (end of data), so a consumer
    that streams to the end learns of a mismatch before it commits anything.
    Hashing happens inline on each chunk: hashlib releases the GIL for large
    buffers and hashing (~1 ms/MiB) outpaces gpg's decryption, so gpg stays the
    bottleneck. A helper thread was measured slower: every hand-over between
    Python threads can wait a whole GIL switch interval.
    """

    def __init__(self, raw: IO[bytes] | _StoredEntry, item: ManifestItem) -> None:
        self._raw = raw
        self._item = item
        self._digest = hashlib.sha256()
        self.bytes_read = 0

    def read(self, size: int = CHUNK) -> bytes:
        """Read up to ``size`` bytes; at the end, raise ItemChecksumMismatch if damaged."""
        try:
            chunk = self._raw.read(size)
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            # zipfile's own CRC check or a truncated archive.
            raise ItemChecksumMismatch(f"item {self._item.seq} is damaged: {exc}") from exc
        if chunk:
            self.bytes_read += len(chunk)
            if self.bytes_read > self._item.size:
                raise ItemChecksumMismatch(
                    f"item {self._item.seq} is longer than the manifest says"
                )
            self._digest.update(chunk)
            return chunk
        if self.bytes_read != self._item.size:
            raise ItemChecksumMismatch(
                f"item {self._item.seq} has {self.bytes_read} bytes, the manifest says "
                f"{self._item.size} (truncated?)"
            )
        if self._digest.hexdigest() != self._item.sha256:
            raise ItemChecksumMismatch(
                f"item {self._item.seq} does not match its sha256 in the manifest (altered?)"
            )
        return b""

    def close(self) -> None:
        """Close the underlying entry."""
        self._raw.close()


class BundleReader(ClosedOnExit):
    """An opened, structurally checked bundle; use as a context manager."""

    def __init__(self, path: Path, limits: BundleLimits | None = None) -> None:
        self.limits = limits or BundleLimits()
        self._path = path
        try:
            self._archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, EOFError) as exc:
            raise MalformedBundle("not a zip file, or the zip is damaged") from exc
        try:
            self._entries = _check_entries(self._archive, self.limits)
            self.manifest = self._read_manifest()
        except BaseException:
            self._archive.close()
            raise

    def _read_manifest(self) -> BundleManifest:
        info = self._entries.get(MANIFEST_NAME)
        if info is None:
            raise MalformedBundle("the bundle has no manifest.json")
        if info.file_size > self.limits.max_manifest_bytes:
            raise BundleTooLarge("manifest.json is too large")
        try:
            with self._archive.open(info) as handle:
                data = handle.read(self.limits.max_manifest_bytes + 1)
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise MalformedBundle(f"manifest.json is damaged: {exc}") from exc
        manifest = parse_manifest(data)
        if len(manifest.items) > self.limits.max_items:
            raise BundleTooLarge(f"the bundle lists more than {self.limits.max_items} items")
        listed = {item.entry for item in manifest.items}
        for name in self._entries:
            if name != MANIFEST_NAME and name not in listed:
                raise MalformedBundle(f"entry {name!r} is not in the manifest")
        return manifest

    def entry_present(self, item: ManifestItem) -> bool:
        """Whether the item's ciphertext entry exists in the zip."""
        return item.entry in self._entries

    def open_item(self, item: ManifestItem) -> VerifiedItemStream:
        """Stream one item's ciphertext, verified against the manifest at its end.

        Invariant: items are found only by the manifest's validated entry name,
        never by a name taken from the zip, so nothing can point outside.
        """
        info = self._entries.get(item.entry)
        if info is None:
            raise ItemChecksumMismatch(f"item {item.seq} is missing from the bundle")
        if info.file_size != item.size:
            raise ItemChecksumMismatch(
                f"item {item.seq} has {info.file_size} bytes, the manifest says {item.size}"
            )
        try:
            raw: IO[bytes] | _StoredEntry = (
                _StoredEntry(self._path, info)
                if info.compress_type == zipfile.ZIP_STORED
                else self._archive.open(info)
            )
        except (zipfile.BadZipFile, OSError) as exc:
            raise ItemChecksumMismatch(f"item {item.seq} is damaged: {exc}") from exc
        return VerifiedItemStream(raw, item)

    def __iter__(self) -> Iterator[ManifestItem]:
        return iter(self.manifest.items)

    def close(self) -> None:
        """Close the zip file."""
        self._archive.close()


def open_bundle(path: Path, limits: BundleLimits | None = None) -> BundleReader:
    """Open a bundle for reading after checking its structure and manifest.

    Invariant: raises (MalformedBundle, UnsafeBundleEntry, BundleTooLarge,
    UnknownBundleVersion) before anything is decrypted or written when the zip
    has unsafe or unexpected entries, symlinks, exceeds the size/ratio limits,
    or the manifest is invalid.
    """
    return BundleReader(Path(path), limits)
