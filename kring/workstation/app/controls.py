"""Controls built one way on every page: title, buttons, labelled rows, passphrase and path fields.

Every text given here is bound to the page (``Page.bind``), so a language
switch re-sets it; the controls are added to their layouts in the order
they are made, which is the order Tab moves through them.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kring.workstation.app.widgets import Page, heading, wrapped


def title_and_intro(page: Page, layout: QVBoxLayout, title: str, intro: str) -> None:
    """Add a page's heading and the paragraph under it that says what the page is for."""
    heading_label = heading()
    page.bind(heading_label.setText, title)
    layout.addWidget(heading_label)
    intro_label = wrapped()
    page.bind(intro_label.setText, intro)
    layout.addWidget(intro_label)


def button(
    page: Page, text: str, on_click: Callable[[], object] | None = None, *, name: str = ""
) -> QPushButton:
    """A push button labelled ``text`` in the page's language, calling ``on_click`` when clicked.

    ``name`` is its objectName, by which tests and screenshots find it.
    """
    pushed = QPushButton()
    if name:
        pushed.setObjectName(name)
    page.bind(pushed.setText, text)
    if on_click is not None:
        pushed.clicked.connect(on_click)
    return pushed


def labelled_row(page: Page, form: QFormLayout, text: str, field: QWidget | QLayout) -> None:
    """Add ``field`` to ``form`` behind a label that says ``text`` in the page's language."""
    label = QLabel()
    page.bind(label.setText, text)
    form.addRow(label, field)


def passphrase_field(name: str) -> QLineEdit:
    """A line edit that shows dots for what is typed (a passphrase is never on screen)."""
    field = QLineEdit()
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


def path_row(
    page: Page,
    form: QFormLayout,
    text: str,
    path: str,
    on_choose: Callable[[], object],
    *,
    name: str = "",
) -> tuple[QLineEdit, QPushButton]:
    """A labelled form row: a read-only path and a "Choose…" button that calls ``on_choose``.

    The path is changed only by the page (after a dialog), never typed, so a
    path that does not exist cannot be entered by hand.
    """
    row = QHBoxLayout()
    field = QLineEdit(path)
    if name:
        field.setObjectName(name)
    field.setReadOnly(True)
    row.addWidget(field, 1)
    choose = button(page, "Choose…", on_choose)
    row.addWidget(choose)
    labelled_row(page, form, text, row)
    return field, choose
