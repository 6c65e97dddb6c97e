"""First run: create the key pair (or pick an existing one), then show its fingerprint."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kring.crypto.gpg import GpgHome
from kring.workstation.app import controls
from kring.workstation.app.i18n import Translator
from kring.workstation.app.jobs import Job, Progress
from kring.workstation.app.messages import Problem
from kring.workstation.app.strength import estimate
from kring.workstation.app.widgets import MessageBar, Page, heading, monospace, qr_pixmap, wrapped
from kring.workstation.filenames import free_path
from kring.workstation.home import secret_key_fingerprints
from kring.workstation.keygen import ConfidantKey, format_fingerprint, generate_confidant_key

PUBLIC_KEY_NAME = "kring-public-key.asc"
_LEVELS = {"too short": "too short", "weak": "weak", "fair": "fair", "strong": "strong"}


def ask_folder(parent: QWidget, title: str, start: Path) -> Path | None:
    """A folder chosen in Qt's own dialog (the same on every desktop), or None."""
    chosen = QFileDialog.getExistingDirectory(
        parent, title, str(start), QFileDialog.Option.DontUseNativeDialog
    )
    return Path(chosen) if chosen else None


def existing_key(home: Path) -> str | None:
    """The fingerprint of the secret key in ``home``, or None when it holds none."""
    if not (home / "pubring.kbx").exists() and not (home / "private-keys-v1.d").is_dir():
        return None
    gpg_home = GpgHome(home)
    try:
        found = secret_key_fingerprints(gpg_home)
    finally:
        gpg_home.kill_agent()
    return found[0] if found else None


class FingerprintView(Page):
    """The key's fingerprint, large, and as a QR code, with what to compare it with."""

    def __init__(self, t: Translator, parent: QWidget | None = None) -> None:
        super().__init__(t, parent)
        layout = QVBoxLayout(self)
        self.title = heading()
        self.bind(self.title.setText, "Your key is ready")
        layout.addWidget(self.title)
        self.saved = wrapped()
        layout.addWidget(self.saved)
        row = QHBoxLayout()
        self.fingerprint = QLabel()
        self.fingerprint.setFont(monospace(20))
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprint.setObjectName("fingerprint")
        row.addWidget(self.fingerprint, 1)
        self.qr = QLabel()
        self.qr.setObjectName("qr")
        row.addWidget(self.qr)
        layout.addLayout(row)
        self.compare = wrapped()
        self.bind(
            self.compare.setText,
            "Upload the public key file on your account page in Kring. Then compare the "
            "fingerprint Kring shows with this one, group by group, or scan the QR code with "
            "your phone. If a single character differs, do not use the key: ask your admin.",
        )
        layout.addWidget(self.compare)
        self.done = controls.button(self, "Continue: open a bundle")
        layout.addWidget(self.done, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        self.key: ConfidantKey | None = None

    def show_key(self, key: ConfidantKey) -> None:
        """Show this key's fingerprint and QR code."""
        self.key = key
        groups = format_fingerprint(key.fingerprint).split(" ")
        half = (len(groups) + 1) // 2
        self.fingerprint.setText(" ".join(groups[:half]) + "\n" + " ".join(groups[half:]))
        self.qr.setPixmap(qr_pixmap(f"OPENPGP4FPR:{key.fingerprint}"))
        self.refresh()

    def refresh(self) -> None:
        """Redraw the saved-file line in the current language."""
        if self.key is not None:
            self.saved.setText(
                self.t("Public key saved to {path}", path=self.key.public_key_path)
            )


class SetupPage(Page):
    """Key setup: name, passphrase twice with its strength, where to save the public key.

    Emits ``key_created(home, fingerprint)`` as soon as a key exists, and
    ``key_ready(home, fingerprint)`` once the confidant saw its fingerprint
    and went on, or picked an existing key folder.
    """

    key_ready = Signal(object, str)
    key_created = Signal(object, str)

    def __init__(self, t: Translator, home: Callable[[], Path],
                 parent: QWidget | None = None) -> None:
        super().__init__(t, parent)
        self._home = home
        self.ask_folder = ask_folder  # replaced in tests, where no one clicks a dialog
        self.job: Job | None = None
        outer = QVBoxLayout(self)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack)

        form_page = QWidget()
        layout = QVBoxLayout(form_page)
        controls.title_and_intro(
            self,
            layout,
            "Set up your key",
            "Reports reach you encrypted to your own key. Its secret half stays on this "
            "computer; you upload only the public half in Kring. Choose a passphrase of at "
            "least 12 characters (a few random words work well) and write it down somewhere "
            "safe: without it nobody can open the reports sent to you.",
        )
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setObjectName("name")
        controls.labelled_row(self, form, "Your name (in the key; not secret)", self.name)
        self.passphrase = controls.passphrase_field("passphrase")
        controls.labelled_row(self, form, "Passphrase", self.passphrase)
        self.repeat = controls.passphrase_field("repeat")
        controls.labelled_row(self, form, "The same passphrase again", self.repeat)
        self.meter = QProgressBar()
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)
        self.meter.setMaximumHeight(10)
        self.strength = QLabel()
        self.strength.setObjectName("strength")
        strength_box = QVBoxLayout()
        strength_box.addWidget(self.meter)
        strength_box.addWidget(self.strength)
        controls.labelled_row(self, form, "Strength", strength_box)
        self.folder, self.choose = controls.path_row(
            self, form, "Save the public key in (e.g. a USB stick)", str(Path.home()),
            self._choose_folder, name="folder",
        )
        layout.addLayout(form)
        self.message = MessageBar()
        layout.addWidget(self.message)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.hide()
        layout.addWidget(self.busy)
        buttons = QHBoxLayout()
        self.create_button = controls.button(self, "Create my key", self._create, name="create")
        buttons.addWidget(self.create_button)
        self.pick = controls.button(self, "I already have a key…", self._pick_existing)
        buttons.addWidget(self.pick)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.stack.addWidget(form_page)

        self.result = FingerprintView(t)
        self.result.done.clicked.connect(self._continue)
        self.stack.addWidget(self.result)

        for field in (self.name, self.passphrase, self.repeat):
            field.textChanged.connect(self.refresh)
        self.name.setText("")
        self.refresh()

    def retranslate(self) -> None:
        """Also translate the fingerprint view."""
        super().retranslate()
        self.result.retranslate()

    def refresh(self) -> None:
        """Update the strength meter and whether the key can be created yet."""
        t = self.t
        verdict = estimate(self.passphrase.text())
        self.meter.setValue(verdict.percent if self.passphrase.text() else 0)
        colour = {"too short": "#b00020", "weak": "#b00020", "fair": "#8a4b00"}.get(
            verdict.level, "#1e4620"
        )
        self.meter.setStyleSheet(f"QProgressBar::chunk {{ background: {colour}; }}")
        if self.passphrase.text():
            self.strength.setText(t(_LEVELS[verdict.level]))
        else:
            self.strength.setText(t("at least 12 characters"))
        differ = bool(self.repeat.text()) and self.repeat.text() != self.passphrase.text()
        if differ:
            self.message.show_problem(
                lambda: Problem(self.t("The two passphrases differ."), ""), "warning"
            )
        elif self.message.kind == "warning":
            self.message.clear()
        ready = (
            bool(self.name.text().strip())
            and verdict.acceptable
            and self.repeat.text() == self.passphrase.text()
            and self.job is None
        )
        self.create_button.setEnabled(ready)

    def _choose_folder(self) -> None:
        chosen = self.ask_folder(self, self.t("Save the public key in"), Path(self.folder.text()))
        if chosen is not None:
            self.folder.setText(str(chosen))

    def _create(self) -> None:
        home = GpgHome(self._home())
        target = free_path(Path(self.folder.text()), PUBLIC_KEY_NAME)
        name, passphrase = self.name.text(), self.passphrase.text()

        def work(progress: Progress, cancelled: Callable[[], bool]) -> ConfidantKey:
            try:
                return generate_confidant_key(
                    home, name=name, passphrase=passphrase, public_key_path=target
                )
            finally:
                home.kill_agent()

        self.message.clear()
        self.busy.show()
        self.job = Job(work, succeeded=self._created, failed=self._failed, finished=self._job_done)
        self.refresh()
        self.job.start()

    def _job_done(self) -> None:
        self.job = None
        self.busy.hide()
        self.refresh()

    def _created(self, key: ConfidantKey) -> None:
        self.passphrase.clear()
        self.repeat.clear()
        self.result.show_key(key)
        self.stack.setCurrentWidget(self.result)
        self.key_created.emit(self._home(), key.fingerprint)

    def _failed(self, exc: BaseException) -> None:
        self.message.show_problem(
            lambda: Problem(
                self.t("The key could not be created."),
                self.t("Nothing was changed. Check the name and the folder, then try again."),
                str(exc),
            )
        )

    def _continue(self) -> None:
        if self.result.key is not None:
            self.key_ready.emit(self._home(), self.result.key.fingerprint)

    def _pick_existing(self) -> None:
        chosen = self.ask_folder(self, self.t("The folder that holds your key"), self._home())
        if chosen is None:
            return
        fingerprint = existing_key(chosen)
        if fingerprint is None:
            self.message.show_problem(
                lambda: Problem(
                    self.t("No secret key was found in {folder}.", folder=chosen),
                    self.t(
                        "Choose the folder made when you created your key (its gpg home, "
                        "for example ~/Persistent/kring-gnupg)."
                    ),
                )
            )
            return
        self.key_ready.emit(chosen, fingerprint)
