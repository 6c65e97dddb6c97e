"""Open a bundle: choose or drop the .zip, type the passphrase, watch the bytes, cancel."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from kring.crypto.bundle import BundleManifest, ManifestItem, open_bundle
from kring.crypto.errors import BundleError
from kring.crypto.gpg import GpgHome
from kring.readable import human_size
from kring.workstation.app import controls
from kring.workstation.app.i18n import Translator
from kring.workstation.app.jobs import Job, Progress
from kring.workstation.app.messages import Problem, bundle_refused, open_failed
from kring.workstation.app.setup_page import ask_folder
from kring.workstation.app.widgets import MessageBar, Page, wrapped
from kring.workstation.home import secret_key_ids
from kring.workstation.opening import OpenCancelled, OpenReport, open_bundle_into


@dataclasses.dataclass(frozen=True)
class Opened:
    """A finished open: the report and the manifest it came from."""

    report: OpenReport
    manifest: BundleManifest
    bundle: Path


def check_bundle(path: Path) -> BundleManifest:
    """Read and check a bundle's structure and manifest without decrypting anything.

    Raises BundleError or OSError exactly as `kring-workstation open` would
    refuse it, before a passphrase is asked for.
    """
    with open_bundle(path) as bundle:
        return bundle.manifest


def run_open(
    bundle: Path,
    target: Path,
    home: Path,
    passphrase: str,
    progress: Progress,
    cancelled: Callable[[], bool],
) -> Opened:
    """Open ``bundle`` into ``target`` through open_bundle_into, reporting bundle-wide bytes.

    Invariant: the only decryption path is kring.workstation.opening; this
    adds a running byte count over all items (``progress(done, total)``)
    and the cancel hook.
    """
    gpg_home = GpgHome(home)
    gpg_home.kill_agent()  # a cached passphrase would hide a wrong one
    own_keys = secret_key_ids(gpg_home)
    manifest = check_bundle(bundle)
    offsets: dict[int, int] = {}
    total = 0
    for item in manifest.items:
        offsets[item.seq] = total
        total += item.size
    progress(0, total)

    shown = [-1]

    def per_item(item: ManifestItem) -> Callable[[int], None]:
        base = offsets.get(item.seq, 0)

        def on_bytes(done: int) -> None:
            # At most one update per 1/1000 of the bundle: a bar cannot show more.
            permille = (base + done) * 1000 // max(total, 1)
            if permille != shown[0]:
                shown[0] = permille
                progress(base + done, total)

        return on_bytes

    report = open_bundle_into(
        bundle,
        target,
        home=gpg_home,
        passphrase=passphrase,
        progress=per_item,
        own_keys=own_keys,
        cancelled=cancelled,
    )
    progress(total, total)
    return Opened(report=report, manifest=manifest, bundle=bundle)


def ask_bundle(parent: QWidget, title: str, start: Path) -> Path | None:
    """A .zip chosen in Qt's own file dialog, or None."""
    chosen, _ = QFileDialog.getOpenFileName(
        parent, title, str(start), "Kring bundle (*.zip)", "",
        QFileDialog.Option.DontUseNativeDialog,
    )
    return Path(chosen) if chosen else None


class DropArea(QFrame):
    """Accepts one dropped local file and hands its path on."""

    dropped = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setObjectName("drop")
        self.setStyleSheet(
            "QFrame#drop { border: 2px dashed #777; border-radius: 8px; background: #fafafa; }"
        )

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        urls = event.mimeData().urls()
        if len(urls) == 1 and urls[0].isLocalFile():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        urls = event.mimeData().urls()
        if len(urls) == 1 and urls[0].isLocalFile():
            self.dropped.emit(Path(urls[0].toLocalFile()))
            event.acceptProposedAction()


class OpenPage(Page):
    """Choose a bundle, type the passphrase, open it with progress and Cancel.

    Emits ``opened(Opened)`` when done. Invariant: the passphrase field is
    emptied as soon as an open starts; a refused bundle never reaches the
    passphrase step; Cancel (or closing the window) stops gpg and removes
    what the run wrote.
    """

    opened = Signal(object)

    def __init__(self, t: Translator, home: Callable[[], Path], cases: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(t, parent)
        self._home = home
        self.ask_bundle = ask_bundle  # replaced in tests, where no one clicks a dialog
        self.ask_folder = ask_folder
        self.bundle: Path | None = None
        self.manifest: BundleManifest | None = None
        self.job: Job | None = None
        layout = QVBoxLayout(self)
        controls.title_and_intro(
            self,
            layout,
            "Open a bundle",
            "Download the bundle of a conversation in Kring on your online computer, copy it "
            "to a USB stick, and open it here.",
        )

        self.drop = DropArea()
        drop_layout = QVBoxLayout(self.drop)
        self.drop_label = QLabel()
        self.drop_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.bind(self.drop_label.setText, "Drop the bundle (.zip) here, or")
        drop_layout.addWidget(self.drop_label)
        self.choose = controls.button(
            self, "Choose bundle…", self._choose_bundle, name="choose-bundle"
        )
        drop_layout.addWidget(self.choose, 0, Qt.AlignmentFlag.AlignCenter)
        self.drop.setMinimumHeight(110)
        self.drop.dropped.connect(self.select_bundle)
        layout.addWidget(self.drop)

        self.summary = wrapped()
        self.summary.setObjectName("summary")
        layout.addWidget(self.summary)
        self.message = MessageBar()
        layout.addWidget(self.message)

        form = QFormLayout()
        self.cases, self.choose_cases = controls.path_row(
            self, form, "Open into", str(cases), self._choose_cases
        )
        self.passphrase = controls.passphrase_field("passphrase")
        self.passphrase.returnPressed.connect(self.start_open)
        controls.labelled_row(self, form, "Passphrase of your key", self.passphrase)
        layout.addLayout(form)

        buttons = QHBoxLayout()
        self.open_button = controls.button(self, "Open", self.start_open, name="open")
        buttons.addWidget(self.open_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        buttons.addWidget(self.progress, 1)
        self.bytes = QLabel()
        self.bytes.setObjectName("bytes")
        buttons.addWidget(self.bytes)
        self.cancel = controls.button(self, "Cancel", self.cancel_open, name="cancel")
        buttons.addWidget(self.cancel)
        buttons.addStretch(0)
        self.open_button.setMinimumWidth(140)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._done = self._total = 0
        self._show_running(False)
        self.refresh()

    # -- choosing ---------------------------------------------------------------------------

    def _choose_bundle(self) -> None:
        start = self.bundle.parent if self.bundle else Path.home()
        chosen = self.ask_bundle(self, self.t("Choose bundle…"), start)
        if chosen is not None:
            self.select_bundle(chosen)

    def _choose_cases(self) -> None:
        chosen = self.ask_folder(self, self.t("Open into"), Path(self.cases.text()))
        if chosen is not None:
            self.cases.setText(str(chosen))

    def select_bundle(self, path: Path) -> None:
        """Check the chosen bundle at once: show what it holds, or why it is refused."""
        self.message.clear()
        self.bundle, self.manifest = None, None
        try:
            self.manifest = check_bundle(path)
            self.bundle = path
        except (BundleError, OSError) as exc:
            refusal = exc  # `exc` itself is unbound once the except block ends
            self.message.show_problem(lambda: bundle_refused(refusal, self.t))
        self.refresh()
        if self.bundle is not None:
            self.passphrase.setFocus()

    # -- opening ----------------------------------------------------------------------------

    def start_open(self) -> None:
        """Open the chosen bundle with the typed passphrase (in a thread)."""
        if self.job is not None or self.bundle is None:
            return
        passphrase = self.passphrase.text()
        if not passphrase:
            self.message.show_problem(
                lambda: Problem(self.t("Type the passphrase of your key first."), ""), "warning"
            )
            return
        self.passphrase.clear()
        bundle, target, home = self.bundle, Path(self.cases.text()), self._home()
        needed = sum(item.size for item in self.manifest.items) if self.manifest else 0

        def work(progress: Progress, cancelled: Callable[[], bool]) -> Opened:
            return run_open(bundle, target, home, passphrase, progress, cancelled)

        self.message.clear()
        self.job = Job(
            work,
            cancel_type=OpenCancelled,
            progressed=self._progressed,
            succeeded=self._succeeded,
            failed=lambda exc: self._failed(exc, needed),
            was_cancelled=self._cancelled,
            finished=self._job_done,
        )
        self._done, self._total = 0, needed
        self._show_running(True)
        self.refresh()
        self.job.start()

    def cancel_open(self) -> None:
        """Ask a running open to stop; it removes what it wrote."""
        if self.job is not None:
            self.job.cancel()
            self.cancel.setEnabled(False)

    def stop_and_wait(self) -> None:
        """Cancel a running open and wait until it has cleaned up (window closing)."""
        job = self.job
        if job is not None:
            job.cancel()
            job.wait()

    def _progressed(self, done: int, total: int) -> None:
        self._done, self._total = done, total
        self.progress.setValue(done * 1000 // total if total else 0)
        self.refresh()

    def _succeeded(self, opened: Opened) -> None:
        self.progress.setValue(1000)
        self.opened.emit(opened)

    def _failed(self, exc: BaseException, needed: int) -> None:
        self.message.show_problem(lambda: open_failed(exc, self.t, needed_bytes=needed))

    def _cancelled(self) -> None:
        self.message.show_problem(
            lambda: Problem(
                self.t("Opening was cancelled."),
                self.t("Nothing from this bundle was kept. Open it again when you are ready."),
            ),
            "info",
        )

    def _job_done(self) -> None:
        self.job = None
        self._show_running(False)
        self.refresh()

    def _show_running(self, running: bool) -> None:
        self.cancel.setVisible(running)
        self.cancel.setEnabled(running)
        self.progress.setVisible(running)
        self.bytes.setVisible(running)
        for widget in (self.choose, self.choose_cases, self.passphrase, self.drop):
            widget.setEnabled(not running)

    def refresh(self) -> None:
        """Redraw the summary, the byte count and the Open button's state."""
        t = self.t
        if self.manifest is not None and self.bundle is not None:
            size = sum(item.size for item in self.manifest.items)
            self.summary.setText(
                t.n(
                    "{file}: conversation “{designation}”, {count} item, {size}, "
                    "bundle made on {day}.",
                    "{file}: conversation “{designation}”, {count} items, {size}, "
                    "bundle made on {day}.",
                    len(self.manifest.items),
                    file=self.bundle.name,
                    designation=self.manifest.designation,
                    size=human_size(size),
                    day=self.manifest.created_on.isoformat(),
                )
            )
        else:
            self.summary.setText(t("No bundle chosen yet."))
        self.bytes.setText(
            t("{done} of {total}", done=human_size(self._done), total=human_size(self._total))
        )
        self.open_button.setEnabled(self.bundle is not None and self.job is None)
