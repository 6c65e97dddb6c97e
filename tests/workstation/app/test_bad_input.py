"""Every bad input `open` handles, as the desktop app shows it: a clear message, nothing kept."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from kring.workstation.checks import check_network
from tests.workstation.app.conftest import wait_until
from tests.workstation.app.test_open_bundle import choose_bundle, open_in_app
from tests.workstation.conftest import (
    DAY1,
    BundleMaker,
    Spec,
    WorkstationKey,
    rewrite_bundle,
    tree,
)
from tests.workstation.test_bad_input import small_disk  # noqa: F401 - the real 1 MiB disk


def _two_items(anna: WorkstationKey, make_bundle: BundleMaker) -> Path:
    key = (anna.public_key,)
    return make_bundle(
        [Spec("message", "reporter", DAY1, b"hello", key),
         Spec("message", "reporter", DAY1, b"second", key)]
    )


def test_wrong_passphrase_says_so_and_writes_nothing(
    qtbot, make_window, screenshot, tmp_path: Path, anna: WorkstationKey,
    make_bundle: BundleMaker,
) -> None:
    bundle = _two_items(anna, make_bundle)
    window = make_window(anna.home.path)
    open_in_app(qtbot, window, bundle, "not my passphrase at all")
    page = window.open_page
    wait_until(qtbot, window, lambda: page.job is None)
    assert "Wrong passphrase: your key could not be unlocked." in page.message.text()
    assert "Type the passphrase again" in page.message.text()
    assert window.stack.currentWidget() is page and tree(tmp_path / "cases") == []
    screenshot(window, "wrong-passphrase-en")
    window.set_language("nl")
    assert "Verkeerd wachtwoord" in page.message.text()
    screenshot(window, "wrong-passphrase-nl")
    # The confidant types it right and goes on: the bundle is still chosen.
    window.set_language("en")
    qtbot.keyClicks(page.passphrase, anna.passphrase)
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    wait_until(qtbot, window, lambda: window.stack.currentWidget() is window.conversation_page)


def test_a_bundle_for_another_confidant_is_named_as_such(
    qtbot, make_window, screenshot, anna: WorkstationKey, bart: WorkstationKey,
    make_bundle: BundleMaker,
) -> None:
    bundle = make_bundle([Spec("message", "reporter", DAY1, b"for bart", (bart.public_key,))])
    window = make_window(anna.home.path)
    open_in_app(qtbot, window, bundle, anna.passphrase)
    conversation = window.conversation_page
    wait_until(qtbot, window, lambda: window.stack.currentWidget() is conversation)
    assert "This bundle is for another confidant's key." in conversation.refused.text()
    assert "another confidant's key, not yours" in conversation.transcript.toPlainText()
    assert "for bart" not in conversation.transcript.toPlainText()
    screenshot(window, "another-key-en")


def test_a_tampered_item_is_refused_and_the_rest_shown(
    qtbot, make_window, screenshot, tmp_path: Path, anna: WorkstationKey,
    make_bundle: BundleMaker,
) -> None:
    good = _two_items(anna, make_bundle)

    def flip(name: str, data: bytes) -> bytes:
        if name != "items/2.gpg":
            return data
        changed = bytearray(data)
        changed[len(changed) // 2] ^= 0xFF
        return bytes(changed)

    bundle = rewrite_bundle(good, tmp_path / "tampered.zip", flip)
    window = make_window(anna.home.path)
    open_in_app(qtbot, window, bundle, anna.passphrase)
    conversation = window.conversation_page
    wait_until(qtbot, window, lambda: window.stack.currentWidget() is conversation)
    said = conversation.refused.text()
    assert "1 item of 2 could not be opened." in said
    assert "#2: Not opened: this item was damaged or altered on the way." in said
    text = conversation.transcript.toPlainText()
    assert "hello" in text and "second" not in text
    screenshot(window, "tampered-en")
    window.set_language("nl")
    assert "onderweg beschadigd of veranderd" in conversation.refused.text()
    screenshot(window, "tampered-nl")


def _with_entry(good: Path, target: Path, info: zipfile.ZipInfo) -> Path:
    rewrite_bundle(good, target, lambda name, d: d)
    with zipfile.ZipFile(target, "a") as archive:
        archive.writestr(info, b"/etc/passwd")
    return target


@pytest.mark.parametrize(
    ("entry", "symlink"),
    [("../../escape.txt", False), ("/etc/cron.d/evil", False), ("items/9.gpg", True)],
)
def test_zip_tricks_refuse_the_bundle_before_the_passphrase(
    entry: str, symlink: bool, qtbot, make_window, screenshot, tmp_path: Path,
    anna: WorkstationKey, make_bundle: BundleMaker,
) -> None:
    info = zipfile.ZipInfo(entry)
    if symlink:
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
    bundle = _with_entry(_two_items(anna, make_bundle), tmp_path / "evil.zip", info)
    window = make_window(anna.home.path)
    said = choose_bundle(qtbot, window, bundle)
    assert "This bundle contains unsafe entries and was refused." in said
    assert "Nothing was written." in said
    assert not window.open_page.open_button.isEnabled()  # no passphrase step for it
    assert tree(tmp_path / "cases") == []
    screenshot(window, "unsafe-bundle-en")


def test_a_zip_bomb_and_a_non_bundle_get_their_own_messages(
    qtbot, make_window, tmp_path: Path, anna: WorkstationKey, make_bundle: BundleMaker
) -> None:
    good = make_bundle([Spec("message", "reporter", DAY1, b"x", (anna.public_key,))])
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = bytes(20 * 1024 * 1024) if info.filename == "items/1.gpg" else src.read(info)
            dst.writestr(info.filename, data)
    window = make_window(anna.home.path, language="nl")
    assert "zipbom" in choose_bundle(qtbot, window, bomb)
    window.set_language("en")
    assert "zip bomb" in window.open_page.message.text()
    photo = tmp_path / "holiday.zip"
    photo.write_bytes(b"not a zip at all")
    assert "This is not a Kring bundle, or it is damaged." in choose_bundle(qtbot, window, photo)
    assert "This file cannot be read." in choose_bundle(qtbot, window, tmp_path / "gone.zip")
    assert tree(tmp_path / "cases") == []


def test_a_full_disk_says_how_much_to_free_and_keeps_nothing(
    qtbot, make_window, screenshot, small_disk: Path, anna: WorkstationKey,  # noqa: F811 - the imported fixture
    make_bundle: BundleMaker,
) -> None:
    key = (anna.public_key,)
    bundle = make_bundle(
        [Spec("message", "reporter", DAY1, b"hello", key)]
        + [Spec("file", "reporter", DAY1, os.urandom(400_000), key, filename=f"{n}.bin")
           for n in ("one", "two", "three")]
    )
    (small_disk / "mine.txt").write_text("was here before")
    window = make_window(anna.home.path, cases=small_disk)
    open_in_app(qtbot, window, bundle, anna.passphrase)
    page = window.open_page
    wait_until(qtbot, window, lambda: page.job is None)
    said = page.message.text()
    assert "The disk is full." in said and "Nothing from this bundle was kept." in said
    assert "Free at least 1.2 MB" in said
    assert tree(small_disk) == ["mine.txt"]
    screenshot(window, "disk-full-en")


def test_the_safety_banner_shows_each_finding_with_its_fix(
    qtbot, make_window, screenshot, tmp_path: Path, anna: WorkstationKey
) -> None:
    net = tmp_path / "net"
    for name, flags in (("lo", "0x9"), ("wlan0", "0x1003")):
        (net / name).mkdir(parents=True)
        (net / name / "flags").write_text(flags)
        (net / name / "operstate").write_text("up")
    findings = check_network(net)
    window = make_window(anna.home.path, findings=findings, language="nl")
    said = window.banner.bar.text()
    assert "Veiligheidscontrole: 1 probleem. Los het op" in said
    assert "haal de kabel los en zet wifi uit" in said
    assert "sudo ip link set wlan0 down" in said  # the exact fix, from `check`
    screenshot(window, "banner-nl")
    window.set_language("en")
    assert "A network connection is on" in window.banner.bar.text()
    screenshot(window, "banner-en")
    window.banner._checker = lambda _home: []
    qtbot.mouseClick(window.banner.again, Qt.MouseButton.LeftButton)
    assert window.banner.bar.text().startswith("Safety check passed")


def test_a_bundle_from_a_newer_kring_says_to_update(
    qtbot, make_window, tmp_path: Path, anna: WorkstationKey, make_bundle: BundleMaker
) -> None:
    import json

    def newer(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        doc = json.loads(data)
        doc["version"] = 99
        return json.dumps(doc).encode()

    bundle = rewrite_bundle(_two_items(anna, make_bundle), tmp_path / "v99.zip", newer)
    window = make_window(anna.home.path)
    said = choose_bundle(qtbot, window, bundle)
    assert "This bundle was made by a newer version of Kring." in said
    assert "Install the newer Kring workstation software" in said
    assert not window.open_page.open_button.isEnabled()
