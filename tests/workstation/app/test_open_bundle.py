"""Opening a real bundle in the desktop app: transcript, files, cleaned export, language."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from tests.workstation.app.conftest import wait_until
from tests.workstation.conftest import DAY1, DAY2, BundleMaker, Spec, WorkstationKey, tree

MESSAGE = "Hallo,\nik wil iets melden — één. <script>alert(1)</script> <b>vet?</b>"
REPLY = "Dank je, ik lees mee – Anna"


def _jpeg_with_gps_and_author() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x013B] = "Jan Jansen"  # Artist: the kind of thing mat2 must remove
    exif[0x010F] = "CameraMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def held_after_first_mib(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """The real open, held after its first MiB until the test sets the returned event.

    On an idle machine gpg decrypts 48 MB before a click lands; holding the
    worker there makes "cancel during the open" certain, not a race.
    """
    from kring.workstation.app import open_page

    release = threading.Event()
    real = open_page.open_bundle_into

    def held(*args, progress, **kwargs):  # type: ignore[no-untyped-def]
        def factory(item):  # type: ignore[no-untyped-def]
            inner = progress(item)

            def on_bytes(done: int) -> None:
                inner(done)
                if done >= 1024 * 1024:
                    release.wait(60)

            return on_bytes

        return real(*args, progress=factory, **kwargs)

    monkeypatch.setattr(open_page, "open_bundle_into", held)
    return release


def _artist(path: Path) -> object:
    with Image.open(path) as image:
        return image.getexif().get(0x013B)


def _conversation(anna: WorkstationKey, make_bundle: BundleMaker) -> Path:
    key = (anna.public_key,)
    return make_bundle(
        [
            Spec("message", "reporter", DAY1, MESSAGE.encode(), key),
            Spec("file", "reporter", DAY1, _jpeg_with_gps_and_author(), key,
                 filename="foto kantine.jpg"),
            Spec("reply", "confidant:Anna de Vries", DAY2, REPLY.encode(), key),
            Spec("file", "reporter", DAY2, b"\x00\x01binary blob" * 100, key,
                 filename="export.bin"),
        ]
    )


def choose_bundle(qtbot, window, bundle: Path) -> str:  # type: ignore[no-untyped-def]
    """Click "Choose bundle…" (the dialog answers ``bundle``); return the page's message."""
    page = window.open_page
    page.ask_bundle = lambda *_: bundle
    qtbot.mouseClick(page.choose, Qt.MouseButton.LeftButton)
    return str(page.message.text())


def open_in_app(qtbot, window, bundle: Path, passphrase: str) -> None:  # type: ignore[no-untyped-def]
    """Choose the bundle with the button, type the passphrase, click Open."""
    page = window.open_page
    choose_bundle(qtbot, window, bundle)
    qtbot.keyClicks(page.passphrase, passphrase)
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)


def test_open_shows_the_transcript_and_files_and_exports_a_cleaned_copy(
    qtbot, make_window, screenshot, tmp_path: Path, anna: WorkstationKey,
    make_bundle: BundleMaker, monkeypatch: pytest.MonkeyPatch,
) -> None:
    bundle = _conversation(anna, make_bundle)
    window = make_window(anna.home.path)
    page = window.open_page
    choose_bundle(qtbot, window, bundle)
    assert "amber falcon" in page.summary.text() and "4 items," in page.summary.text()
    screenshot(window, "open-en")
    qtbot.keyClicks(page.passphrase, anna.passphrase)
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    assert page.passphrase.text() == ""  # cleared as soon as the open starts
    conversation = window.conversation_page
    wait_until(qtbot, window, lambda: window.stack.currentWidget() is conversation)

    text = conversation.transcript.toPlainText()
    assert "2 March 2026" in text and "5 March 2026" in text
    assert text.index("2 March 2026") < text.index("ik wil iets melden") < text.index(
        "5 March 2026") < text.index(REPLY)
    # Reporter text is shown as typed: markup stays visible text, never markup.
    assert "<script>alert(1)</script> <b>vet?</b>" in text
    assert "Reporter · message · #1" in text
    assert "Anna de Vries (confidant) · reply · #3" in text
    assert "foto kantine.jpg" in text
    assert conversation.refused.text() == ""
    assert "Conversation “amber falcon”" in conversation.title.text()

    rows = [
        [conversation.files.item(r, c).text() for c in range(3)]
        for r in range(conversation.files.rowCount())
    ]
    assert rows[0][:2] == ["foto kantine.jpg", "Image (JPG)"]
    assert rows[1][:2] == ["export.bin", "BIN file"]
    assert rows[1][2] == "1.3 kB"
    screenshot(window, "conversation-en")

    # Double-clicking or activating a file or the transcript opens nothing: the app never
    # hands a reporter's file to another program.
    from PySide6.QtGui import QDesktopServices

    asked: list[object] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: asked.append(url) or True)
    cell = conversation.files.visualItemRect(conversation.files.item(0, 0)).center()
    qtbot.mouseDClick(conversation.files.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    qtbot.keyClick(conversation.files, Qt.Key.Key_Return)
    qtbot.mouseDClick(conversation.transcript.viewport(), Qt.MouseButton.LeftButton)
    assert asked == []

    # "Show in folder" shows the folder (in the file manager), never the file itself.
    revealed: list[Path] = []
    conversation.reveal = revealed.append
    qtbot.mouseClick(conversation.show_folder, Qt.MouseButton.LeftButton)
    assert revealed == [conversation.opened.report.folder / "files"]

    share = tmp_path / "share"
    conversation.ask_folder = lambda *_: share
    conversation.files.selectRow(0)
    qtbot.mouseClick(conversation.export, Qt.MouseButton.LeftButton)
    # The answer comes first, the end of the job a moment later: the button is
    # enabled again only then, so wait for both before the next click.
    wait_until(qtbot, window,
               lambda: conversation.export_message.text() != "" and conversation.job is None)
    assert "Cleaned copy saved" in conversation.export_message.text()
    cleaned = share / "foto kantine.jpg"
    assert _artist(cleaned) is None
    original = conversation.opened.report.folder / "files" / "foto kantine.jpg"
    assert _artist(original) == "Jan Jansen"  # original untouched

    conversation.files.selectRow(1)
    assert conversation.export.isEnabled()
    qtbot.mouseClick(conversation.export, Qt.MouseButton.LeftButton)
    assert not conversation.export.isEnabled()  # no second export while one runs
    wait_until(qtbot, window, lambda: "NOT saved" in conversation.export_message.text())
    said = conversation.export_message.text()
    assert "export.bin: mat2 cannot clean this format (application/octet-stream)." in said
    assert ".kring-export" not in said  # mat2's scratch folder is not the confidant's concern
    assert not (share / "export.bin").exists()
    screenshot(window, "export-refused-en")

    # The switch: the same conversation, now in Dutch.
    window.language.setCurrentIndex(1)
    text = conversation.transcript.toPlainText()
    assert "2 maart 2026" in text and "Melder · bericht · #1" in text
    assert "Anna de Vries (vertrouwenspersoon) · antwoord · #3" in text
    assert conversation.export.text() == "Opgeschoonde kopie opslaan…"
    assert "NIET opgeslagen" in conversation.export_message.text()
    assert conversation.files.item(0, 1).text() == "Afbeelding (JPG)"
    screenshot(window, "conversation-nl")
    qtbot.mouseClick(conversation.another, Qt.MouseButton.LeftButton)
    assert page.open_button.text() == "Openen"
    screenshot(window, "open-nl")


def test_a_bundle_dropped_on_the_window_is_checked_and_summarised(
    qtbot, make_window, anna: WorkstationKey, make_bundle: BundleMaker
) -> None:
    bundle = make_bundle([Spec("message", "reporter", DAY1, b"hi", (anna.public_key,))])
    window = make_window(anna.home.path, language="nl")
    drop = window.open_page.drop
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(bundle))])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, data,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    # Qt delivers a Drop only inside a real drag session, which the X server
    # cannot start without a pointer grab; the handler gets the real event.
    drop.dropEvent(event)
    assert event.isAccepted()
    assert "gesprek “amber falcon”, 1 onderdeel," in window.open_page.summary.text()
    assert window.open_page.open_button.isEnabled()


def test_a_large_open_shows_bytes_and_cancel_removes_everything(
    qtbot, make_window, screenshot, tmp_path: Path, anna: WorkstationKey,
    make_bundle: BundleMaker, held_after_first_mib: threading.Event,
) -> None:
    import os

    bundle = make_bundle(
        [Spec("message", "reporter", DAY1, b"first", (anna.public_key,)),
         Spec("file", "reporter", DAY1, os.urandom(48 * 1024 * 1024), (anna.public_key,),
              filename="video.mp4")]
    )
    cases = tmp_path / "cases"
    window = make_window(anna.home.path, cases=cases)
    page = window.open_page
    open_in_app(qtbot, window, bundle, anna.passphrase)
    assert page.cancel.isVisible() and not page.passphrase.isEnabled()
    wait_until(qtbot, window, lambda: page.progress.value() > 0)
    assert " of 50.3 MB" in page.bytes.text()
    screenshot(window, "progress-en")
    qtbot.mouseClick(page.cancel, Qt.MouseButton.LeftButton)
    held_after_first_mib.set()
    wait_until(qtbot, window, lambda: page.job is None)
    assert "cancelled" in page.message.text() and "Nothing from this bundle was kept" in (
        page.message.text())
    assert window.stack.currentWidget() is page
    assert tree(cases) == []
    assert not page.cancel.isVisible() and page.open_button.isEnabled()


def test_closing_the_window_during_an_open_cancels_it_cleanly(
    qtbot, make_window, tmp_path: Path, anna: WorkstationKey, make_bundle: BundleMaker,
    held_after_first_mib: threading.Event,
) -> None:
    import os

    bundle = make_bundle(
        [Spec("file", "reporter", DAY1, os.urandom(48 * 1024 * 1024), (anna.public_key,),
              filename="video.mp4")]
    )
    cases = tmp_path / "cases"
    window = make_window(anna.home.path, cases=cases)
    open_in_app(qtbot, window, bundle, anna.passphrase)
    wait_until(qtbot, window, lambda: window.open_page.progress.value() > 0)
    job = window.open_page.job
    threading.Timer(0.5, held_after_first_mib.set).start()  # while close() waits
    window.close()
    assert job is not None and job.isFinished() and job.cancel_requested
    assert tree(cases) == []


def test_signature_verdicts_are_marked_on_each_item_and_summed_up(
    qtbot, make_window, screenshot, anna: WorkstationKey, make_bundle: BundleMaker
) -> None:
    from kring.crypto.keys import generate_reporter_keypair
    from kring.crypto.signing import ReporterSigner

    keys = generate_reporter_keypair("the reporter's codename-derived passphrase")
    signer = ReporterSigner(keys.secret_key, "the reporter's codename-derived passphrase")
    try:
        bundle = make_bundle(
            [
                Spec("message", "reporter", DAY1, b"what happened to me", (anna.public_key,),
                     signer=signer),
                # What whoever controls the server can add: encrypted to Anna, unsigned.
                Spec("message", "reporter", DAY1, b"please forget it", (anna.public_key,)),
                Spec("reply", "confidant:Anna de Vries", DAY2, b"thank you",
                     (anna.public_key,)),
            ],
            reporter_key=keys.public_key,
        )
    finally:
        signer.close()
    window = make_window(anna.home.path)
    open_in_app(qtbot, window, bundle, anna.passphrase)
    conversation = window.conversation_page
    wait_until(qtbot, window, lambda: window.stack.currentWidget() is conversation)
    text = conversation.transcript.toPlainText()
    first, forged, reply = (text.index(s) for s in ("#1", "#2", "#3"))
    assert "✔ signed by the reporter's key" in text[first:forged]
    assert "✖ NOT SIGNED: may not be written by the person who holds this codename" in (
        text[forged:reply])
    assert "a confidant's reply, written in Kring (not signed)" in text[reply:]
    assert conversation.unproven.text().startswith(
        "1 item is not proven to come from the reporter.")
    screenshot(window, "authorship-en")
    window.set_language("nl")
    assert "NIET ONDERTEKEND" in conversation.transcript.toPlainText()
    assert "1 onderdeel is niet bewezen afkomstig van de melder." in conversation.unproven.text()
    screenshot(window, "authorship-nl")
