"""The scrub against real files: kills, concurrent deletions and uploads, reruns."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kring.core.settings import Settings
from kring.core.storage import scrub as scrub_module
from kring.core.storage.scrub import ScrubBusy, scrub_instance
from kring.core.storage.store import Store, folder_lock
from kring.daytime import day_start_ns

LOOKUP_A = "a" * 64
LOOKUP_B = "b" * 64


def _store(settings: Settings) -> Store:
    return Store(settings.store_dir)


def _contents(store: Store, lookup_id: str) -> dict[str, bytes]:
    folder = store.folder(lookup_id)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _fill(store: Store) -> dict[str, dict[str, bytes]]:
    for n in range(3):
        store.write_blob(LOOKUP_A, f"ciphertext A{n}".encode() * 100)
    store.write_blob(LOOKUP_B, b"ciphertext B")
    return {lid: _contents(store, lid) for lid in (LOOKUP_A, LOOKUP_B)}


def test_writes_set_modification_times_to_the_day_start(settings: Settings) -> None:
    store = _store(settings)
    blob = store.write_blob(LOOKUP_A, b"x")
    day = day_start_ns()
    for path in (store.blob_path(LOOKUP_A, blob), store.folder(LOOKUP_A), store.root):
        assert os.stat(path).st_mtime_ns == day
    assert os.stat(store.blob_path(LOOKUP_A, blob)).st_atime_ns == day
    store.read_blob(LOOKUP_A, blob)
    assert os.stat(store.blob_path(LOOKUP_A, blob)).st_atime_ns == day


def test_scrub_gives_new_files_fresh_inodes_and_keeps_every_byte(settings: Settings) -> None:
    store = _store(settings)
    before = _fill(store)
    inodes = {p.name: p.stat().st_ino for p in store.folder(LOOKUP_A).iterdir()}
    moment = time.time_ns()
    result = scrub_instance(settings)
    assert result.folders_rebuilt == 2 and result.files_copied >= 4
    assert {lid: _contents(store, lid) for lid in (LOOKUP_A, LOOKUP_B)} == before
    for path in store.folder(LOOKUP_A).iterdir():
        st = path.stat()
        assert st.st_ino != inodes[path.name]
        assert st.st_ctime_ns >= moment and st.st_mtime_ns == day_start_ns()
    assert not list(store.root.glob(".scrub-*"))


def test_a_second_run_copies_only_what_changed(settings: Settings) -> None:
    store = _store(settings)
    _fill(store)
    scrub_instance(settings)
    again = scrub_instance(settings)
    assert (again.folders_rebuilt, again.files_copied) == (0, 0)
    store.write_blob(LOOKUP_B, b"a reply")
    third = scrub_instance(settings)
    assert (third.folders_rebuilt, third.files_copied) == (1, 1)


def test_a_scrub_killed_midway_loses_nothing_and_the_next_run_finishes(
    settings: Settings,
) -> None:
    store = _store(settings)
    before = _fill(store)
    # A real kill: a process that dies (os._exit, no cleanup) after its second copy.
    killer = f"""
import os, sys
from kring.core.storage import scrub
from kring.core.settings import load_settings
real = scrub._copy_to_fresh_inode
calls = []
def dying(*args, **kwargs):
    calls.append(1)
    if len(calls) == 2:
        os._exit(9)
    real(*args, **kwargs)
scrub._copy_to_fresh_inode = dying
scrub.scrub_instance(load_settings({{"KRING_INSTANCE": {str(settings.instance_dir)!r}}}))
"""
    died = subprocess.run([sys.executable, "-c", killer], check=False, timeout=60)
    assert died.returncode == 9
    assert list(store.root.glob(".scrub-*")), "the kill should leave a half-built twin"
    result = scrub_instance(settings)
    assert result.folders_rebuilt == 2
    assert not list(store.root.glob(".scrub-*"))
    assert {lid: _contents(store, lid) for lid in (LOOKUP_A, LOOKUP_B)} == before
    leftovers = [p for p in store.root.rglob("*") if p.name.startswith(".partial-")]
    assert leftovers == []


def test_a_deletion_during_the_scrub_waits_and_nothing_comes_back(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(settings)
    _fill(store)
    copying = threading.Event()
    release = threading.Event()
    real_copy = scrub_module._copy_to_fresh_inode

    def slow_copy(*args: object, **kwargs: object) -> None:
        copying.set()
        release.wait(10)
        real_copy(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scrub_module, "_copy_to_fresh_inode", slow_copy)
    scrubber = threading.Thread(target=scrub_instance, args=(settings,))
    scrubber.start()
    assert copying.wait(10)
    deleter = threading.Thread(target=store.delete_folder, args=(LOOKUP_A,))
    deleter.start()
    time.sleep(0.2)
    assert deleter.is_alive(), "the deletion must wait for the folder's rebuild"
    release.set()
    scrubber.join(10)
    deleter.join(10)
    assert not store.folder(LOOKUP_A).exists()
    assert not store.twin(LOOKUP_A).exists()
    assert store.folder(LOOKUP_B).exists()


def test_a_folder_with_an_upload_in_progress_waits_for_the_next_run(settings: Settings) -> None:
    store = _store(settings)
    _fill(store)
    scrub_instance(settings)
    temp, handle = store.open_temp(LOOKUP_A)
    handle.write(b"half an upload")
    result = scrub_instance(settings)
    assert result.folders_deferred == 1
    assert temp.exists()
    blob = store.publish(LOOKUP_A, temp, handle)
    later = scrub_instance(settings)
    assert later.folders_rebuilt == 1 and later.files_copied >= 1
    assert store.blob_path(LOOKUP_A, blob).read_bytes() == b"half an upload"


def test_a_temp_file_nobody_holds_is_removed(settings: Settings) -> None:
    store = _store(settings)
    _fill(store)
    orphan = store.folder(LOOKUP_A) / ".partial-0123456789abcdef"
    orphan.write_bytes(b"left by a killed worker")
    result = scrub_instance(settings)
    assert result.leftovers_removed == 1 and not orphan.exists()


def test_two_scrubs_do_not_run_at_once(settings: Settings) -> None:
    with folder_lock(settings.instance_dir, exclusive=True) as fd:
        assert fd is not None
        with pytest.raises(ScrubBusy):
            scrub_instance(settings)


def test_gpg_home_files_get_fresh_inodes(settings: Settings, tmp_path: Path) -> None:
    written = settings.gpg_home / "pubring.kbx"
    written.write_bytes(b"keybox")
    inode = written.stat().st_ino
    scrub_instance(settings)
    assert written.read_bytes() == b"keybox"
    assert written.stat().st_ino != inode
