"""The bundle's manifest: what each item is, checked field by field when it is read.

Nothing in it is plaintext of a report: designation, days, who wrote, sizes and hashes, all of
which the server knows already. A manifest from a hostile server is refused with
MalformedBundle, never trusted into a path or a name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Literal, TypeGuard

from kring.crypto.errors import MalformedBundle, UnknownBundleVersion

BUNDLE_FORMAT = "kring-bundle"
BUNDLE_VERSION = 1
MANIFEST_NAME = "manifest.json"
# A reporter's Ed25519/Cv25519 public key is about 700 characters armored.
MAX_REPORTER_KEY_CHARS = 16 * 1024

ItemKind = Literal["message", "file", "reply"]
ITEM_KINDS: frozenset[str] = frozenset({"message", "file", "reply"})
REPORTER = "reporter"
CONFIDANT_PREFIX = "confidant:"

CHUNK = 1024 * 1024
ENTRY_RE = re.compile(r"items/(0|[1-9][0-9]{0,8})\.gpg")
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


def check_author(kind: str, author: str) -> None:
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


def check_designation(designation: str) -> None:
    if len(designation) > 80 or not _DESIGNATION_RE.fullmatch(designation):
        raise MalformedBundle("the designation must be a few words of letters")


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
    check_author(kind, author)
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
    check_designation(designation)
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
