"""Cancelling an open (the desktop app's Cancel button) with real gpg: nothing is left."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kring.workstation.opening import OpenCancelled, open_bundle_into
from tests.workstation.conftest import DAY1, BundleMaker, Spec, WorkstationKey, tree


def test_cancel_during_a_large_file_stops_gpg_and_removes_everything(
    tmp_path: Path, anna: WorkstationKey, make_bundle: BundleMaker
) -> None:
    bundle = make_bundle(
        [
            Spec("message", "reporter", DAY1, b"first message", (anna.public_key,)),
            Spec("file", "reporter", DAY1, os.urandom(6 * 1024 * 1024), (anna.public_key,),
                 filename="big.bin"),
            Spec("message", "reporter", DAY1, b"after the file", (anna.public_key,)),
        ]
    )
    target = tmp_path / "cases"
    target.mkdir()
    seen: list[int] = []

    def progress(item):  # type: ignore[no-untyped-def]
        return seen.append if item.kind == "file" else None

    # Cancel as soon as the big file has passed its first megabyte through gpg.
    with pytest.raises(OpenCancelled):
        open_bundle_into(
            bundle,
            target,
            home=anna.home,
            passphrase=anna.passphrase,
            progress=progress,
            cancelled=lambda: bool(seen),
        )
    assert seen and seen[-1] < 6 * 1024 * 1024  # stopped part-way, not at the end
    assert tree(target) == []  # not even the first message or a hidden partial file


def test_cancel_before_the_first_item_writes_nothing(
    tmp_path: Path, anna: WorkstationKey, make_bundle: BundleMaker
) -> None:
    bundle = make_bundle([Spec("message", "reporter", DAY1, b"hello", (anna.public_key,))])
    target = tmp_path / "cases"
    with pytest.raises(OpenCancelled):
        open_bundle_into(
            bundle, target, home=anna.home, passphrase=anna.passphrase, cancelled=lambda: True
        )
    assert tree(target) == []


def test_a_cancel_hook_that_never_fires_changes_nothing(
    tmp_path: Path, anna: WorkstationKey, make_bundle: BundleMaker
) -> None:
    bundle = make_bundle(
        [Spec("file", "reporter", DAY1, b"x" * (2 * 1024 * 1024), (anna.public_key,),
              filename="a.txt")]
    )
    report = open_bundle_into(
        bundle, tmp_path / "cases", home=anna.home, passphrase=anna.passphrase,
        cancelled=lambda: False,
    )
    assert not report.refused
    assert (report.folder / "files" / "a.txt").read_bytes() == b"x" * (2 * 1024 * 1024)
