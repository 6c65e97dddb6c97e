"""The opened conversation: transcript, refused items, files with cleaned export."""

from __future__ import annotations

import html
import mimetypes
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from kring.readable import human_size
from kring.workstation.app import controls
from kring.workstation.app.i18n import Translator
from kring.workstation.app.jobs import Job, Progress
from kring.workstation.app.messages import Problem, all_for_another_key, item_refused
from kring.workstation.app.open_page import Opened
from kring.workstation.app.setup_page import ask_folder
from kring.workstation.app.widgets import MessageBar, Page, heading, wrapped
from kring.workstation.authorship import Authorship
from kring.workstation.export import ExportResult, Mat2NotInstalled, export_cleaned
from kring.workstation.transcript import TranscriptEntry

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_KINDS = {"message": "message", "reply": "reply", "file": "file"}
_TYPES = {"image": "Image", "video": "Video", "audio": "Sound", "text": "Text"}


def who(entry: TranscriptEntry, t: Translator) -> str:
    """'Reporter' or '<name> (confidant)' in the current language."""
    if entry.author.startswith("confidant:"):
        return t("{name} (confidant)", name=entry.author.removeprefix("confidant:"))
    return t("Reporter")


# Each verdict of kring.workstation.authorship, as the app says it (translated).
_AUTHORSHIP = {
    Authorship.VERIFIED: "signed by the reporter's key",
    Authorship.UNSIGNED: "NOT SIGNED: may not be written by the person who holds this codename",
    Authorship.OTHER_KEY: (
        "SIGNED BY ANOTHER KEY: not written by the person who holds this codename"
    ),
    Authorship.BAD_SIGNATURE: (
        "SIGNATURE DOES NOT MATCH: not written by the person who holds this codename"
    ),
    Authorship.NO_REPORTER_KEY: (
        "CANNOT BE CHECKED: the bundle names no reporter key, so this may not be written by "
        "the person who holds this codename"
    ),
    Authorship.KEY_CHANGED: (
        "SIGNED BY ANOTHER REPORTER KEY THAN EARLIER BUNDLES: not written by the person who "
        "holds this codename"
    ),
    Authorship.CONFIDANT_REPLY: "a confidant's reply, written in Kring (not signed)",
}


def authorship_mark(entry: TranscriptEntry, t: Translator) -> tuple[str, bool]:
    """What the app says about who wrote an item, and whether that is proven.

    Invariant: every verdict that is not proven is shown, in words, on the
    item itself; an item that was not opened gets no mark (its refusal is
    shown instead).
    """
    verdict = entry.authorship
    if verdict is Authorship.NOT_OPENED or entry.problem:
        return "", True
    text = t(_AUTHORSHIP.get(verdict, str(verdict)))
    if verdict is Authorship.VERIFIED:
        return "✔ " + text, True
    return ("" if verdict.proven else "✖ ") + text, verdict.proven


def file_type(name: str, t: Translator) -> str:
    """A file's type as its name tells it (the content is never looked at or run)."""
    guessed, _ = mimetypes.guess_type(name, strict=False)
    suffix = Path(name).suffix.lstrip(".").upper()
    if guessed in (None, "application/octet-stream"):
        return t("{ext} file", ext=suffix) if suffix else t("unknown type")
    major = guessed.split("/")[0]
    if guessed == "application/pdf":
        return t("PDF document")
    label = t(_TYPES[major]) if major in _TYPES else t("Document")
    return f"{label} ({suffix})" if suffix else label


def transcript_html(entries: Sequence[TranscriptEntry], t: Translator) -> str:
    """The conversation as rich text for the in-app view, grouped by day.

    Invariant: every text written by a reporter or confidant (and every name)
    is HTML-escaped, so it shows as typed and can never become markup, a
    link or an image that Qt would load.
    """
    esc = html.escape
    parts: list[str] = []
    current_day = None
    for entry in sorted(entries, key=lambda e: e.seq):
        if entry.day != current_day:
            current_day = entry.day
            month = t(_MONTHS[entry.day.month - 1])
            parts.append(
                f"<h3 style='margin-top:14px; border-bottom:1px solid #999'>"
                f"{entry.day.day} {esc(month)} {entry.day.year}</h3>"
            )
        confidant = entry.author.startswith("confidant:")
        colour = "#2e7d32" if confidant else "#1565c0"
        background = "#f4f9f4" if confidant else "#f3f7fc"
        parts.append(
            f"<table width='100%' cellpadding='6' style='margin:6px 0; "
            f"border-left:4px solid {colour}; background:{background}'><tr><td>"
            f"<b style='color:{colour}'>{esc(who(entry, t))}</b> · "
            f"{esc(t(_KINDS.get(entry.kind, entry.kind)))} · #{entry.seq}"
        )
        mark, proven = authorship_mark(entry, t)
        if mark and proven:
            parts.append(f"<br><span style='color:#1e4620'>{esc(mark)}</span>")
        elif mark:
            parts.append(f"<p style='color:#b00020'><b>{esc(mark)}</b></p>")
        if entry.problem:
            parts.append(
                f"<p style='color:#b00020'><b>{esc(item_refused(entry.problem, t))}</b></p>"
            )
        elif entry.file_path is not None and entry.kind == "file":
            parts.append(
                f"<p><b>{esc(Path(entry.file_path).name)}</b> ({human_size(entry.file_size)})</p>"
            )
        if entry.text is not None and not entry.problem:
            body = esc(entry.text).replace("\n", "<br>")
            parts.append(f"<p>{body}</p>")
        parts.append("</td></tr></table>")
    return "".join(parts)


def unsupported_format(reason: str) -> str:
    """The format mat2 named ("... 's format (application/zip) is not supported"), else the
    reason itself: the confidant needs the format, not mat2's scratch path."""
    found = re.search(r"format \(([^)]*)\) is not supported", reason)
    return found.group(1) if found else reason


def reveal_folder(folder: Path) -> None:
    """Show a folder in the desktop's file manager (a folder, never a file)."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class ConversationPage(Page):
    """Shows an opened conversation and lets the confidant export cleaned copies.

    Invariant: no decrypted file is ever opened by the app: files are listed
    with their type and size; the only actions are a mat2-cleaned copy and
    showing the folder that holds them.
    """

    def __init__(self, t: Translator, parent: QWidget | None = None) -> None:
        super().__init__(t, parent)
        self.ask_folder = ask_folder  # replaced in tests, where no one clicks a dialog
        self.reveal: Callable[[Path], None] = reveal_folder
        self.opened: Opened | None = None
        self.job: Job | None = None
        self.last_export: list[ExportResult] = []
        layout = QVBoxLayout(self)
        self.title = heading()
        layout.addWidget(self.title)
        self.where = wrapped()
        layout.addWidget(self.where)
        self.refused = MessageBar()
        layout.addWidget(self.refused)
        self.unproven = MessageBar()
        layout.addWidget(self.unproven)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.transcript = QTextBrowser()
        self.transcript.setObjectName("transcript")
        self.transcript.setOpenLinks(False)
        self.transcript.setOpenExternalLinks(False)
        splitter.addWidget(self.transcript)
        files_box = QWidget()
        files_layout = QVBoxLayout(files_box)
        files_layout.setContentsMargins(0, 0, 0, 0)
        self.files_title = heading(size=12)
        files_layout.addWidget(self.files_title)
        self.files = QTableWidget(0, 3)
        self.files.setObjectName("files")
        self.files.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.files.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.files.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.files.verticalHeader().hide()
        self.files.itemSelectionChanged.connect(self._update_buttons)
        files_layout.addWidget(self.files)
        buttons = QHBoxLayout()
        self.export = controls.button(self, "Save a cleaned copy…", self._export, name="export")
        buttons.addWidget(self.export)
        self.show_folder = controls.button(self, "Show in folder", self._show_folder)
        buttons.addWidget(self.show_folder)
        buttons.addStretch(1)
        self.another = controls.button(self, "Open another bundle")
        buttons.addWidget(self.another)
        files_layout.addLayout(buttons)
        splitter.addWidget(files_box)
        splitter.setSizes([400, 200])
        layout.addWidget(splitter, 1)
        # Below the splitter, so a long answer never squeezes the file list.
        self.export_message = MessageBar()
        layout.addWidget(self.export_message)

    def show_opened(self, opened: Opened) -> None:
        """Show a freshly opened conversation."""
        self.opened = opened
        self.export_message.clear()
        self.refresh()
        if self.file_entries():
            self.files.selectRow(0)

    def file_entries(self) -> list[TranscriptEntry]:
        """The decrypted files, in conversation order."""
        if self.opened is None:
            return []
        return [e for e in self.opened.report.opened if e.kind == "file" and e.file_path]

    def selected_files(self) -> list[Path]:
        """Paths of the files selected in the table."""
        if self.opened is None:
            return []
        rows = sorted({index.row() for index in self.files.selectedIndexes()})
        entries = self.file_entries()
        folder = self.opened.report.folder
        return [folder / (entries[row].file_path or "") for row in rows if row < len(entries)]

    def refresh(self) -> None:
        """Redraw everything from the open result in the current language."""
        t = self.t
        self.bind_header()
        opened = self.opened
        if opened is None:
            return
        report = opened.report
        self.transcript.setHtml(transcript_html(report.entries, t))
        total = len(report.entries)
        if all_for_another_key(report.refused, total):
            self.refused.show_problem(lambda: Problem(
                self.t("This bundle is for another confidant's key."),
                self.t("None of its items could be opened with your key. Ask the confidant it "
                       "was downloaded for, or download the bundle with your own account."),
            ))
        elif report.refused:
            self.refused.show_problem(lambda: Problem(
                self.t.n("{count} item of {total} could not be opened.",
                         "{count} items of {total} could not be opened.",
                         len(report.refused), total=total),
                "\n".join(f"#{seq}: {item_refused(p, self.t)}" for seq, p in report.refused),
            ), "warning")
        else:
            self.refused.clear()
        if report.unproven:
            self.unproven.show_problem(lambda: Problem(
                self.t.n("{count} item is not proven to come from the reporter.",
                         "{count} items are not proven to come from the reporter.",
                         len(report.unproven)),
                self.t(
                    "Read the red marks in the conversation. Whoever controls the Kring server "
                    "can add messages that look like the reporter's; only items signed by the "
                    "reporter's key are proven. Ask the reporter about anything marked before "
                    "you act on it."
                ),
            ), "warning")
        else:
            self.unproven.clear()
        entries = self.file_entries()
        self.files.setHorizontalHeaderLabels([t("Name"), t("Type"), t("Size")])
        selected = {index.row() for index in self.files.selectedIndexes()}
        self.files.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            name = Path(entry.file_path or "").name
            for column, text in enumerate((name, file_type(name, t), human_size(entry.file_size))):
                self.files.setItem(row, column, QTableWidgetItem(text))
        for row in selected:
            if row < len(entries):
                self.files.selectRow(row)
        self.export_message.refresh()
        self._update_buttons()

    def bind_header(self) -> None:
        """The title and the folder line."""
        t = self.t
        if self.opened is None:
            self.title.setText("")
            return
        manifest, report = self.opened.manifest, self.opened.report
        self.title.setText(t("Conversation “{designation}”", designation=manifest.designation))
        self.where.setText(
            t(
                "Bundle made on {day}; times are kept per day only, on purpose. Opened into "
                "{folder}.",
                day=manifest.created_on.isoformat(),
                folder=report.folder,
            )
        )
        self.files_title.setText(t("Files ({count})", count=len(self.file_entries())))

    def _update_buttons(self) -> None:
        has = bool(self.selected_files())
        self.export.setEnabled(has and self.job is None)
        self.show_folder.setEnabled(self.opened is not None)

    def _show_folder(self) -> None:
        if self.opened is None:
            return
        chosen = self.selected_files()
        self.reveal(chosen[0].parent if chosen else self.opened.report.folder)

    def _export(self) -> None:
        files = self.selected_files()
        if not files:
            return
        target = self.ask_folder(self, self.t("Save the cleaned copy in"), Path.home())
        if target is None:
            return

        def work(progress: Progress, cancelled: Callable[[], bool]) -> list[ExportResult]:
            return export_cleaned(files, target)

        self.export_message.clear()
        self.job = Job(
            work, succeeded=self._exported, failed=self._export_failed, finished=self._export_done
        )
        self._update_buttons()
        self.job.start()

    def _export_done(self) -> None:
        self.job = None
        self._update_buttons()

    def _exported(self, results: list[ExportResult]) -> None:
        self.last_export = results
        refused = [r for r in results if r.exported is None]
        done = [r for r in results if r.exported is not None]

        def problem() -> Problem:
            t = self.t
            lines = [t("Saved: {path}", path=r.exported) for r in done]
            lines += [
                t("NOT saved: {name}: mat2 cannot clean this format ({reason}).",
                  name=r.source.name, reason=unsupported_format(r.problem or ""))
                for r in refused
            ]
            if refused:
                return Problem(
                    t("Some files could not be cleaned, so they were not saved."),
                    "\n".join(lines) + "\n" + t(
                        "Check such a file yourself, or convert it to a format mat2 supports, "
                        "before sharing it."),
                )
            return Problem(
                t("Cleaned copy saved."),
                "\n".join(lines) + "\n" + t(
                    "Metadata (author, camera, GPS position, edit history) was removed. The "
                    "content itself can still identify the reporter."),
            )

        self.export_message.show_problem(problem, "warning" if refused else "ok")

    def _export_failed(self, exc: BaseException) -> None:
        if isinstance(exc, Mat2NotInstalled):
            self.export_message.show_problem(lambda: Problem(
                self.t("mat2 is not installed, so nothing can be cleaned."),
                self.t("Install it (sudo apt install mat2; on Tails it is included)."),
            ))
            return
        self.export_message.show_problem(lambda: Problem(
            self.t("The cleaned copy could not be saved."),
            self.t("Nothing was saved. Check that the folder is writable and has room."),
            str(exc),
        ))
