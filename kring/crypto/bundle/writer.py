"""Writing a bundle on the server: encrypted items streamed into a zip, then the manifest."""

from __future__ import annotations

import datetime as dt
import hashlib
import stat
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, BinaryIO

from kring.crypto.bundle.manifest import (
    CHUNK,
    ITEM_KINDS,
    MANIFEST_NAME,
    BundleItem,
    BundleManifest,
    ManifestItem,
    check_author,
    check_designation,
    entry_name,
)
from kring.crypto.errors import MalformedBundle


def _zip_time(day: dt.date) -> tuple[int, int, int, int, int, int]:
    # Zip entries carry a modification time; midnight of the bundle's day keeps
    # the server's day-granular clock (no precise time leaves the server).
    return (max(day.year, 1980), day.month, day.day, 0, 0, 0)


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
    check_designation(designation)
    _check_items(items)
    with zipfile.ZipFile(out, mode="w", compression=zipfile.ZIP_STORED) as archive:
        described = tuple(
            _write_item(archive, item, created_on) for item in sorted(items, key=lambda i: i.seq)
        )
        manifest = BundleManifest(
            designation=designation,
            created_on=created_on,
            items=described,
            reporter_key=reporter_key,
        )
        info = zipfile.ZipInfo(MANIFEST_NAME, date_time=_zip_time(created_on))
        info.external_attr = (stat.S_IFREG | 0o600) << 16
        archive.writestr(info, manifest.to_json(), compress_type=zipfile.ZIP_STORED)
    return manifest


def _check_items(items: Sequence[BundleItem]) -> None:
    """Refuse (ValueError) repeated or negative numbers, unknown kinds, impossible authors."""
    seen: set[int] = set()
    for item in items:
        if item.seq < 0 or item.seq in seen:
            raise ValueError(f"item seq {item.seq} is negative or repeated")
        seen.add(item.seq)
        if item.kind not in ITEM_KINDS:
            raise ValueError(f"unknown item kind {item.kind!r}")
        try:
            check_author(item.kind, item.author)
        except MalformedBundle as exc:
            raise ValueError(str(exc)) from exc


def _write_item(archive: zipfile.ZipFile, item: BundleItem, created_on: dt.date) -> ManifestItem:
    """Copy one ciphertext into the zip in chunks, hashing exactly the bytes written."""
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
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            entry.write(chunk)
            size += len(chunk)
    return ManifestItem(
        seq=item.seq,
        kind=item.kind,
        author=item.author,
        day=item.day,
        entry=info.filename,
        sha256=digest.hexdigest(),
        size=size,
    )
