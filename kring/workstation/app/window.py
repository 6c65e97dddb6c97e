"""The main window: safety banner, language switch, and the three screens."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kring.workstation.app.checks_banner import Checker, ChecksBanner, run_all_checks
from kring.workstation.app.conversation_page import ConversationPage
from kring.workstation.app.i18n import LANGUAGES, Translator
from kring.workstation.app.open_page import Opened, OpenPage
from kring.workstation.app.setup_page import SetupPage, existing_key
from kring.workstation.keygen import format_fingerprint


class MainWindow(QMainWindow):
    """Kring workstation: key setup on first run, then opening and reading bundles.

    Invariant: the window holds no network code and never opens a decrypted
    file; closing it during an open cancels the open and waits until the
    half-opened bundle was removed.
    """

    def __init__(
        self,
        *,
        home: Path,
        cases: Path,
        language: str,
        settings: QSettings | None = None,
        checker: Checker = run_all_checks,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.home = home
        self.t = Translator(language)
        self.fingerprint = existing_key(home) if home.is_dir() else None

        central = QWidget()
        layout = QVBoxLayout(central)
        top = QHBoxLayout()
        self.key_label = QLabel()
        self.key_label.setObjectName("key")
        top.addWidget(self.key_label, 1)
        self.language = QComboBox()
        self.language.setObjectName("language")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(list(LANGUAGES).index(self.t.language))
        self.language.currentIndexChanged.connect(self._language_changed)
        top.addWidget(self.language)
        layout.addLayout(top)
        self.banner = ChecksBanner(self.t, lambda: self.home, checker)
        layout.addWidget(self.banner)

        self.stack = QStackedWidget()
        self.setup_page = SetupPage(self.t, lambda: self.home)
        self.setup_page.key_ready.connect(self._key_ready)
        self.setup_page.key_created.connect(self._key_created)
        self.open_page = OpenPage(self.t, lambda: self.home, cases)
        self.open_page.opened.connect(self._opened)
        self.conversation_page = ConversationPage(self.t)
        self.conversation_page.another.clicked.connect(
            lambda: self.stack.setCurrentWidget(self.open_page)
        )
        for page in (self.setup_page, self.open_page, self.conversation_page):
            self.stack.addWidget(page)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.stack.setCurrentWidget(self.open_page if self.fingerprint else self.setup_page)
        self.resize(980, 760)
        self._retitle()

    def _retitle(self) -> None:
        t = self.t
        self.setWindowTitle(t("Kring workstation"))
        if self.fingerprint:
            self.key_label.setText(
                t("Your key: {fingerprint}", fingerprint=format_fingerprint(self.fingerprint))
            )
        else:
            self.key_label.setText(t("No key yet"))

    def set_language(self, code: str) -> None:
        """Switch every screen to ``code`` ('en' or 'nl') and remember the choice."""
        self.t.language = code if code in LANGUAGES else "en"
        if self.settings is not None:
            self.settings.setValue("language", self.t.language)
        for page in (self.banner, self.setup_page, self.open_page, self.conversation_page):
            page.retranslate()
        self._retitle()
        index = list(LANGUAGES).index(self.t.language)
        if self.language.currentIndex() != index:
            self.language.setCurrentIndex(index)

    def _language_changed(self, index: int) -> None:
        self.set_language(list(LANGUAGES)[index])

    def _key_created(self, home: Path, fingerprint: str) -> None:
        self.home = Path(home)
        self.fingerprint = fingerprint
        if self.settings is not None:
            self.settings.setValue("gnupg_home", str(self.home))
        self.banner.run()
        self._retitle()

    def _key_ready(self, home: Path, fingerprint: str) -> None:
        self._key_created(home, fingerprint)
        self.stack.setCurrentWidget(self.open_page)

    def _opened(self, opened: Opened) -> None:
        self.conversation_page.show_opened(opened)
        self.stack.setCurrentWidget(self.conversation_page)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Cancel a running open and wait for its clean-up before the window goes."""
        self.open_page.stop_and_wait()
        for job in (self.setup_page.job, self.conversation_page.job):
            if job is not None:
                job.wait()
        super().closeEvent(event)
