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
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import stat
import struct
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, BinaryIO, Literal, TypeGuard

from kring.crypto.errors import (
    BundleTooLarge,
    ItemChecksumMismatch,
    MalformedBundle,
    UnknownBundleVersion,
    UnsafeBundleEntry,
)

BUNDLE_FORMAT = "kring-bundle"
BUNDLE_VERSION = 1
MANIFEST_NAME = "manifest.json"
# A reporter's Ed25519/Cv25519 public key is about 700 characters armored.
MAX_REPORTER_KEY_CHARS = 16 * 1024

ItemKind = Literal["message", "file", "reply"]
ITEM_KINDS: frozenset[str] = frozenset({"message", "file", "reply"})
REPORTER = "reporter"
CONFIDANT_PREFIX = "confidant:"

_CHUNK = 1024 * 1024
_ENTRY_RE = re.compile(r"items/(0|[1-9][0-9]{0,8})\.gpg")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
# Designations are two words from a word list (letters, maybe a hyphen); the
# workstation makes a folder of it, so anything else is refused outright.
_DESIGNATION_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*(?: [^\W\d_]+(?:-[^\W\d_]+)*){0,3}")


@dataclasses.dataclass(frozen=True)
class BundleItem:
    """One item to put into a bundle (server side).

    ``ciphertext`` is the path of the encrypted store file, or a callable that
    opens the ciphertext as a binary stream (closed by the writer).
    """

    seq: int
    kind: ItemKind
    author: str
    day: dt.date
    ciphertext: Path | Callable[[], IO[bytes]]


@dataclasses.dataclass(frozen=True)
class ManifestItem:
    """One item as described by a bundle's manifest."""

    seq: int
    kind: ItemKind
    author: str
    day: dt.date
    entry: str
    sha256: str
    size: int

    @property
    def confidant_name(self) -> str | None:
        """The confidant's display name for replies, None for the reporter."""
        if self.author.startswith(CONFIDANT_PREFIX):
            return self.author[len(CONFIDANT_PREFIX) :]
        return None


@dataclasses.dataclass(frozen=True)
class BundleManifest:
    """The parsed, validated manifest of a bundle; items in conversation order."""

    designation: str
    created_on: dt.date
    items: tuple[ManifestItem, ...]
    version: int = BUNDLE_VERSION
    reporter_key: str = ""

    def to_json(self) -> bytes:
        """The manifest as written into the bundle."""
        doc = {
            "format": BUNDLE_FORMAT,
            "version": self.version,
            "designation": self.designation,
            "created_on": self.created_on.isoformat(),
            "items": [
                {
                    "seq": item.seq,
                    "kind": item.kind,
                    "author": item.author,
                    "day": item.day.isoformat(),
                    "entry": item.entry,
                    "sha256": item.sha256,
                    "size": item.size,
                }
                for item in self.items
            ],
        }
        if self.reporter_key:
            doc["reporter_key"] = self.reporter_key
        return json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8") + b"\n"


@dataclasses.dataclass(frozen=True)
class BundleLimits:
    """Limits the reader enforces before anything is decrypted (zip-bomb defence)."""

    max_total_bytes: int = 64 * 1024**3
    max_ratio: int = 100
    max_items: int = 100_000
    max_manifest_bytes: int = 16 * 1024 * 1024


def entry_name(seq: int) -> str:
    """The zip entry name of item ``seq``."""
    return f"items/{seq}.gpg"


def _zip_time(day: dt.date) -> tuple[int, int, int, int, int, int]:
    # Zip entries carry a modification time; midnight of the bundle's day keeps
    # the server's day-granular clock (no precise time leaves the server).
    return (max(day.year, 1980), day.month, day.day, 0, 0, 0)


def _check_author(kind: str, author: str) -> None:
    if author == REPORTER:
        if kind == "reply":
            raise MalformedBundle("a reply must be written by a confidant")
        return
    if not author.startswith(CONFIDANT_PREFIX):
        raise MalformedBundle(f"unknown author {author[:40]!r}")
    name = author[len(CONFIDANT_PREFIX) :]
    if not name or len(name) > 120 or not name.isprintable():
        raise MalformedBundle("a confidant's display name is empty, too long or unprintable")
    if kind != "reply":
        raise MalformedBundle("a confidant can only have written replies")


def _check_designation(designation: str) -> None:
    if len(designation) > 80 or not _DESIGNATION_RE.fullmatch(designation):
        raise MalformedBundle("the designation must be a few words of letters")


def write_bundle(
    out: BinaryIO,
    designation: str,
    created_on: dt.date,
    items: Sequence[BundleItem],
    *,
    reporter_key: str = "",
) -> BundleManifest:
    """Write a bundle of already-encrypted items to ``out`` and return its manifest.

    ``reporter_key``: the reporter's armored public key, named in the manifest
    so the workstation can check the signature on each reporter item.

    Invariant: only ciphertext and the manifest enter the bundle; ciphertext is
    copied in 1 MiB chunks (memory stays flat for 500 MB items) and hashed
    while it is copied, so the manifest's sha256 is of exactly the bytes
    written. Zip timestamps are the bundle's day at midnight. ``out`` may be
    unseekable (a pipe or a streaming response).
    """
    _check_designation(designation)
    seen: set[int] = set()
    for item in items:
        if item.seq < 0 or item.seq in seen:
            raise ValueError(f"item seq {item.seq} is negative or repeated")
        seen.add(item.seq)
        if item.kind not in ITEM_KINDS:
            raise ValueError(f"unknown item kind {item.kind!r}")
        try:
            _check_author(item.kind, item.author)
        except MalformedBundle as exc:
            raise ValueError(str(exc)) from exc
    described = []
    with zipfile.ZipFile(out, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for item in sorted(items, key=lambda i: i.seq):
            info = zipfile.ZipInfo(entry_name(item.seq), date_time=_zip_time(created_on))
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = (stat.S_IFREG | 0o600) << 16
            if isinstance(item.ciphertext, Path):
                info.file_size = item.ciphertext.stat().st_size
                source: IO[bytes] = item.ciphertext.open("rb")
                force_zip64 = info.file_size >= zipfile.ZIP64_LIMIT
            else:
                source = item.ciphertext()
                force_zip64 = True  # size unknown up front
            digest = hashlib.sha256()
            size = 0
            with source, archive.open(info, mode="w", force_zip64=force_zip64) as entry:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    entry.write(chunk)
                    size += len(chunk)
            described.append(
                ManifestItem(
                    seq=item.seq,
                    kind=item.kind,
                    author=item.author,
                    day=item.day,
                    entry=info.filename,
                    sha256=digest.hexdigest(),
                    size=size,
                )
            )
        manifest = BundleManifest(
            designation=designation,
            created_on=created_on,
            items=tuple(described),
            reporter_key=reporter_key,
        )
        info = zipfile.ZipInfo(MANIFEST_NAME, date_time=_zip_time(created_on))
        info.external_attr = (stat.S_IFREG | 0o600) << 16
        archive.writestr(info, manifest.to_json(), compress_type=zipfile.ZIP_STORED)
    return manifest


def _parse_day(value: Any, what: str) -> dt.date:
    if not isinstance(value, str):
        raise MalformedBundle(f"{what} must be a YYYY-MM-DD date")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise MalformedBundle(f"{what} must be a YYYY-MM-DD date") from exc


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_item(raw: Any) -> ManifestItem:
    if not isinstance(raw, dict):
        raise MalformedBundle("a manifest item is not an object")
    seq, kind, author = raw.get("seq"), raw.get("kind"), raw.get("author")
    if not _is_int(seq) or seq < 0:
        raise MalformedBundle("an item's seq must be a non-negative integer")
    if kind not in ITEM_KINDS:
        raise MalformedBundle(f"item {seq}: unknown kind {str(kind)[:20]!r}")
    if not isinstance(author, str):
        raise MalformedBundle(f"item {seq}: author missing")
    _check_author(kind, author)
    if raw.get("entry") != entry_name(seq):
        raise MalformedBundle(f"item {seq}: entry must be {entry_name(seq)!r}")
    sha256 = raw.get("sha256")
    if not isinstance(sha256, str) or not _SHA256_RE.fullmatch(sha256):
        raise MalformedBundle(f"item {seq}: sha256 must be 64 lowercase hex digits")
    size = raw.get("size")
    if not _is_int(size) or size < 0:
        raise MalformedBundle(f"item {seq}: size must be a non-negative integer")
    return ManifestItem(
        seq=seq,
        kind=kind,
        author=author,
        day=_parse_day(raw.get("day"), f"item {seq}: day"),
        entry=entry_name(seq),
        sha256=sha256,
        size=size,
    )


def parse_manifest(data: bytes) -> BundleManifest:
    """Parse and validate manifest.json.

    Invariant: every field the workstation later uses as a path component or
    prints is checked here (designation letters only, entries exactly
    ``items/<seq>.gpg``); an unknown format version raises
    UnknownBundleVersion before any item is looked at.
    """
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedBundle("manifest.json is not valid UTF-8 JSON") from exc
    if not isinstance(doc, dict) or doc.get("format") != BUNDLE_FORMAT:
        raise MalformedBundle("manifest.json does not describe a Kring bundle")
    version = doc.get("version")
    if not _is_int(version):
        raise MalformedBundle("the manifest's version must be an integer")
    if version != BUNDLE_VERSION:
        raise UnknownBundleVersion(
            f"bundle format version {version} is not supported (this tool reads version "
            f"{BUNDLE_VERSION}); install the kring-workstation that matches the server"
        )
    designation = doc.get("designation")
    if not isinstance(designation, str):
        raise MalformedBundle("the manifest has no designation")
    _check_designation(designation)
    raw_items = doc.get("items")
    if not isinstance(raw_items, list):
        raise MalformedBundle("the manifest has no item list")
    items = [_parse_item(raw) for raw in raw_items]
    if len({item.seq for item in items}) != len(items):
        raise MalformedBundle("two items share a seq")
    reporter_key = doc.get("reporter_key", "")
    if not isinstance(reporter_key, str) or len(reporter_key) > MAX_REPORTER_KEY_CHARS:
        raise MalformedBundle("the manifest's reporter_key must be one armored public key")
    return BundleManifest(
        designation=designation,
        created_on=_parse_day(doc.get("created_on"), "created_on"),
        items=tuple(sorted(items, key=lambda i: i.seq)),
        version=version,
        reporter_key=reporter_key,
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
        if info.filename != MANIFEST_NAME and not _ENTRY_RE.fullmatch(info.filename):
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

    def read(self, size: int = _CHUNK) -> bytes:
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


class VerifiedItemStream:
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

    def read(self, size: int = _CHUNK) -> bytes:
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

    def __enter__(self) -> VerifiedItemStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class BundleReader:
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

    def __enter__(self) -> BundleReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_bundle(path: Path, limits: BundleLimits | None = None) -> BundleReader:
    """Open a bundle for reading after checking its structure and manifest.

    Invariant: raises (MalformedBundle, UnsafeBundleEntry, BundleTooLarge,
    UnknownBundleVersion) before anything is decrypted or written when the zip
    has unsafe or unexpected entries, symlinks, exceeds the size/ratio limits,
    or the manifest is invalid.
    """
    return BundleReader(Path(path), limits)
