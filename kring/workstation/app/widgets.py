"""Small widgets shared by the app's pages: translatable pages, message bars, QR code."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from kring.workstation.app.i18n import Translator
from kring.workstation.app.messages import Problem


class Page(QWidget):
    """A widget whose fixed texts are re-set when the language changes.

    ``bind(setter, text)`` shows ``text`` in the current language now and
    again after every ``retranslate()``; ``refresh()`` redraws the parts
    built from data (overridden by pages that have them).
    """

    def __init__(self, t: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.t = t
        self._bound: list[tuple[Callable[[str], object], str, dict[str, object]]] = []

    def bind(self, setter: Callable[[str], object], text: str, **values: object) -> None:
        """Set a text now and keep it translated."""
        self._bound.append((setter, text, values))
        setter(self.t(text, **values))

    def retranslate(self) -> None:
        """Re-set every bound text and redraw the data-driven parts."""
        for setter, text, values in self._bound:
            setter(self.t(text, **values))
        self.refresh()
        for bar in self.findChildren(MessageBar):
            bar.refresh()

    def refresh(self) -> None:
        """Redraw texts built from data (nothing by default)."""


_COLOURS = {
    "error": ("#fdecea", "#b00020"),
    "warning": ("#fff4e5", "#8a4b00"),
    "info": ("#e8f4fd", "#0b4f8a"),
    "ok": ("#edf7ed", "#1e4620"),
}


def heading(text: str = "", size: int = 16) -> QLabel:
    """A bold heading label."""
    label = QLabel(text)
    font = label.font()
    font.setPointSize(size)
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    return label


def wrapped(text: str = "") -> QLabel:
    """A word-wrapped plain-text label (never interpreted as rich text)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class MessageBar(QFrame):
    """A coloured box with a headline, what to do, and small-print detail.

    It keeps the function that made its message, so a language switch
    re-makes the message in the new language.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("message")
        layout = QVBoxLayout(self)
        self.headline = wrapped()
        bold = self.headline.font()
        bold.setBold(True)
        self.headline.setFont(bold)
        self.advice = wrapped()
        self.detail = wrapped()
        small = self.detail.font()
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        self.detail.setFont(small)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self.headline, self.advice, self.detail):
            layout.addWidget(label)
        self.kind = ""
        self._make: Callable[[], Problem] | None = None
        self.hide()

    def show_problem(self, make: Callable[[], Problem], kind: str = "error") -> None:
        """Show the message ``make()`` returns (again after a language switch)."""
        self._make = make
        self.kind = kind
        back, fore = _COLOURS[kind]
        self.setStyleSheet(
            f"QFrame#message {{ background: {back}; border: 2px solid {fore}; "
            "border-radius: 6px; }"
            f" QLabel {{ color: {fore}; background: transparent; border: none; }}"
        )
        self.refresh()
        self.show()

    def refresh(self) -> None:
        """Re-make the message in the current language."""
        if self._make is None:
            return
        problem = self._make()
        self.headline.setText(problem.headline)
        self.advice.setText(problem.advice)
        self.advice.setVisible(bool(problem.advice))
        self.detail.setText(problem.detail)
        self.detail.setVisible(bool(problem.detail))

    def clear(self) -> None:
        """Hide the message."""
        self._make = None
        self.kind = ""
        self.hide()

    def text(self) -> str:
        """Everything the bar says (for tests and screen readers)."""
        if self.isHidden():
            return ""
        return "\n".join(
            label.text() for label in (self.headline, self.advice, self.detail) if label.text()
        )


def qr_pixmap(data: str, scale: int = 6) -> QPixmap:
    """A QR code of ``data`` drawn with Qt (dark modules on white, with a quiet zone)."""
    from kring.qr import qr_matrix  # qrcode loaded only when a code is drawn

    matrix = qr_matrix(data, border=4)
    size = len(matrix) * scale
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor("white"))
    painter = QPainter(pixmap)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.fillRect(x * scale, y * scale, scale, scale, QColor("black"))
    painter.end()
    return pixmap


def monospace(size: int) -> QFont:
    """A fixed-width font for fingerprints."""
    font = QFont("DejaVu Sans Mono")
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSize(size)
    font.setBold(True)
    return font
