"""First run in the desktop app: create the key through the widgets, with real gpg."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from kring.crypto.gpg import GpgHome
from kring.crypto.keys import inspect_public_key
from kring.workstation.home import secret_key_fingerprints
from kring.workstation.keygen import format_fingerprint
from tests.workstation.app.conftest import wait_until
from tests.workstation.conftest import PASSPHRASE, WorkstationKey, cheap_home


def test_key_setup_creates_the_key_and_shows_its_fingerprint_and_qr(
    qtbot, make_window, screenshot, tmp_path: Path
) -> None:
    home = tmp_path / "gnupg"
    cheap_home(home)
    usb = tmp_path / "usb"
    usb.mkdir()
    window = make_window(home)
    page = window.setup_page
    assert window.stack.currentWidget() is page
    page.ask_folder = lambda *_: usb

    qtbot.keyClicks(page.name, "Anna de Vries")
    qtbot.keyClicks(page.passphrase, "short")
    assert page.strength.text() == "too short" and not page.create_button.isEnabled()
    page.passphrase.clear()
    qtbot.keyClicks(page.passphrase, PASSPHRASE)
    qtbot.keyClicks(page.repeat, PASSPHRASE[:-1] + "X")
    assert "differ" in page.message.text() and not page.create_button.isEnabled()
    page.repeat.clear()
    qtbot.keyClicks(page.repeat, PASSPHRASE)
    assert page.message.text() == "" and page.strength.text() in ("fair", "strong")
    qtbot.mouseClick(page.choose, Qt.MouseButton.LeftButton)
    assert page.folder.text() == str(usb)
    screenshot(window, "setup-en")
    qtbot.mouseClick(page.create_button, Qt.MouseButton.LeftButton)
    wait_until(qtbot, window, lambda: page.stack.currentWidget() is page.result)

    fingerprints = secret_key_fingerprints(GpgHome(home))
    assert len(fingerprints) == 1
    shown = page.result.fingerprint.text().replace("\n", " ")
    assert shown == format_fingerprint(fingerprints[0])
    public = usb / "kring-public-key.asc"
    assert inspect_public_key(public.read_text()).fingerprint == fingerprints[0]
    assert str(public) in page.result.saved.text()
    assert not page.result.qr.pixmap().isNull() and page.result.qr.pixmap().width() > 150
    assert page.passphrase.text() == "" and page.repeat.text() == ""  # not kept in the form
    assert format_fingerprint(fingerprints[0]) in window.key_label.text()
    screenshot(window, "fingerprint-en")
    window.set_language("nl")
    assert page.result.title.text() == "Uw sleutel is klaar"
    screenshot(window, "fingerprint-nl")
    window.set_language("en")

    qtbot.mouseClick(page.result.done, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.open_page
    assert format_fingerprint(fingerprints[0]) in window.key_label.text()


def test_a_second_key_is_refused_and_nothing_changes(
    qtbot, make_window, tmp_path: Path, anna: WorkstationKey
) -> None:
    # The app starts on the open page when a key exists; forcing the setup
    # form onto a home with a key must not replace it.
    window = make_window(anna.home.path)
    assert window.stack.currentWidget() is window.open_page
    page = window.setup_page
    page.folder.setText(str(tmp_path))
    qtbot.keyClicks(page.name, "Someone Else")
    qtbot.keyClicks(page.passphrase, PASSPHRASE)
    qtbot.keyClicks(page.repeat, PASSPHRASE)
    qtbot.mouseClick(page.create_button, Qt.MouseButton.LeftButton)
    wait_until(qtbot, window, lambda: page.job is None and page.message.text() != "")
    assert "could not be created" in page.message.text()
    assert secret_key_fingerprints(anna.home) == [anna.fingerprint]
    assert not (tmp_path / "kring-public-key.asc").exists()


def test_picking_an_existing_key_folder(
    qtbot, make_window, tmp_path: Path, anna: WorkstationKey, screenshot
) -> None:
    window = make_window(tmp_path / "empty-home", language="nl")
    page = window.setup_page
    screenshot(window, "setup-nl")
    not_a_home = tmp_path / "photos"
    not_a_home.mkdir()
    page.ask_folder = lambda *_: not_a_home
    qtbot.mouseClick(page.pick, Qt.MouseButton.LeftButton)
    assert "geen geheime sleutel" in page.message.text()
    assert list(not_a_home.iterdir()) == []  # gpg was not let loose on a random folder
    page.ask_folder = lambda *_: anna.home.path
    qtbot.mouseClick(page.pick, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.open_page
    assert window.home == anna.home.path
    assert format_fingerprint(anna.fingerprint) in window.key_label.text()


def test_kring_workstation_app_starts_the_window_and_remembers_choices(
    qtbot, qapp, tmp_path: Path, anna: WorkstationKey
) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from kring.workstation import cli
    from kring.workstation.app.main import SETTINGS_NAME
    from kring.workstation.app.window import MainWindow

    seen: list[MainWindow] = []

    def look_and_close() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        seen.extend(windows)
        for window in windows:
            window.set_language("nl")  # what a confidant's click on the switch does
            window.close()

    home = tmp_path / "kring" / "gnupg"
    QTimer.singleShot(300, look_and_close)
    assert cli.main(["--gnupg-home", str(home), "app", "--language", "en"]) == 0
    assert len(seen) == 1 and seen[0].stack.currentWidget() is seen[0].setup_page
    settings = (tmp_path / "kring" / SETTINGS_NAME).read_text()
    assert "language=nl" in settings
    assert not home.exists() or not any(home.iterdir())  # looking created no key


def test_add_to_menu_writes_the_entry(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from kring.workstation import cli

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert cli.main(["app", "--add-to-menu"]) == 0
    assert (tmp_path / "applications" / "kring-workstation.desktop").is_file()
    assert "applications menu" in capsys.readouterr().out


def test_qt_file_dialog_memory_stays_off_the_disk(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QFileDialog

    from kring.workstation.app.main import qt_state_in_memory

    config = tmp_path / "config"
    config.mkdir()
    case = tmp_path / "cases" / "amber-falcon"
    case.mkdir(parents=True)

    def choose_once() -> None:
        dialog = QFileDialog(None, "x", str(case))
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        QTimer.singleShot(200, lambda: (dialog.selectFile(str(case)), dialog.accept()))
        dialog.exec()
        gone: list[bool] = []
        dialog.destroyed.connect(lambda *_: gone.append(True))
        dialog.deleteLater()  # Qt saves the dialog's history when it is destroyed
        qtbot.waitUntil(lambda: bool(gone), timeout=20_000)

    # Without it, Qt writes the folder's name into the user's config (the proof that
    # the test can fail); with it, nothing reaches that folder.
    for form in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(form, QSettings.Scope.UserScope, str(config))
    choose_once()
    assert f"file://{case.parent}" in (config / "QtProject.conf").read_text()
    (config / "QtProject.conf").unlink()
    with qt_state_in_memory() as folder:
        assert str(folder).startswith("/dev/shm/")
        choose_once()
        assert f"file://{case.parent}" in (folder / "QtProject.conf").read_text()
    assert not folder.exists()
    assert list(config.iterdir()) == []
