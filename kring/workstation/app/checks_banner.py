"""The safety-check banner: `kring-workstation check`'s findings, readable and in view."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from kring.workstation.app.i18n import Translator
from kring.workstation.app.messages import Problem
from kring.workstation.app.widgets import MessageBar, Page
from kring.workstation.checks import Finding, check_gpg_home, check_network, check_swap

Checker = Callable[[Path], list[Finding]]


def run_all_checks(home: Path) -> list[Finding]:
    """The same three checks as `kring-workstation check`."""
    return check_network() + check_swap() + check_gpg_home(home)


_HEADLINES = {
    "network": "A network connection is on: disconnect the cable and switch off Wi-Fi.",
    "swap": "Swap is not encrypted: opened reports could end up on the disk.",
    "gpg home": "Your key folder is missing or others could read it.",
}


class ChecksBanner(Page):
    """Shows every finding with what to do, or one line saying all is well.

    Invariant: the findings are never hidden behind a click: each one is
    shown with its fix as long as it is there; "Check again" re-runs them.
    """

    def __init__(self, t: Translator, home: Callable[[], Path], checker: Checker = run_all_checks,
                 parent: QWidget | None = None) -> None:
        super().__init__(t, parent)
        self._home = home
        self._checker = checker
        self.findings: list[Finding] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.bar = MessageBar()
        column = QVBoxLayout()
        column.addWidget(self.bar)
        layout.addLayout(column, 1)
        self.again = QPushButton()
        self.bind(self.again.setText, "Check again")
        self.again.clicked.connect(self.run)
        layout.addWidget(self.again)
        self.run()

    def run(self) -> None:
        """Run the checks and show what they found."""
        self.findings = self._checker(self._home())
        self.refresh()

    def _problem(self) -> Problem:
        t = self.t
        if not self.findings:
            return Problem(
                t("Safety check passed: no network, swap encrypted or absent, key folder private."),
                "",
            )
        lines = [f"• {t(_HEADLINES.get(f.check, f.check))}" for f in self.findings]
        return Problem(
            t.n("Safety check: {count} problem. Fix it before opening reports.",
                "Safety check: {count} problems. Fix them before opening reports.",
                len(self.findings)),
            "\n".join(lines),
            "\n".join(f.message for f in self.findings),
        )

    def refresh(self) -> None:
        """Redraw in the current language."""
        self.bar.show_problem(self._problem, "warning" if self.findings else "ok")
