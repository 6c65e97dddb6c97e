"""Opening a bundle: verify, decrypt every item, write the transcript and the files."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypedDict

from kring.crypto.bundle import (
    REPORTER,
    BundleLimits,
    BundleManifest,
    BundleReader,
    ManifestItem,
    VerifiedItemStream,
    open_bundle,
)
from kring.crypto.decrypt_stream import decrypt_stream, decrypt_to_directory
from kring.crypto.errors import (
    BadPassphrase,
    DecryptionFailed,
    ItemChecksumMismatch,
    NoSecretKey,
    TargetDiskFull,
)
from kring.crypto.gpg import GpgHome
from kring.crypto.signing import public_keyring
from kring.readable import human_size
from kring.workstation.filenames import free_path, sanitise_filename
from kring.workstation.home import secret_key_ids
from kring.workstation.open_report import OpenAborted, OpenCancelled, OpenReport
from kring.workstation.reporter_key import REPORTER_KEY_PIN, ReporterKeyCheck
from kring.workstation.run_writer import RunWriter, disk_full_is_target_full, remove_stale_partials
from kring.workstation.transcript import TranscriptEntry, render_html, render_text

# Imported from here by the CLI, the desktop app and the tests.
__all__ = [
    "FILES_FOLDER",
    "MESSAGE_INLINE_BYTES",
    "REPORTER_KEY_PIN",
    "OpenAborted",
    "OpenCancelled",
    "OpenReport",
    "conversation_folder_name",
    "open_bundle_into",
]

FILES_FOLDER = "files"
# Messages up to this size are shown in the transcript; longer ones are also
# kept as a text file so the transcript stays readable.
MESSAGE_INLINE_BYTES = 1024 * 1024
_SLACK = 1024 * 1024
# The most a message shown in the transcript may decrypt to.
_INLINE_LIMIT = MESSAGE_INLINE_BYTES + _SLACK

ProgressFactory = Callable[[ManifestItem], Callable[[int], None] | None]


def conversation_folder_name(designation: str) -> str:
    """The folder for a conversation: its designation with spaces as hyphens."""
    return designation.replace(" ", "-")


def _output_limit(item: ManifestItem, limits: BundleLimits, budget: int) -> int:
    # Kring encrypts without compression, so plaintext is smaller than the
    # ciphertext; the ratio only leaves room for other OpenPGP tools.
    return max(0, min(item.size * limits.max_ratio + _SLACK, budget))


def _describe_refusal(exc: Exception, own_keys: list[str]) -> str:
    if isinstance(exc, NoSecretKey):
        needed = ", ".join(f"0x{k}" for k in exc.key_ids) or "an unknown key"
        mine = ", ".join(f"0x{k}" for k in own_keys) or "none"
        return (
            f"encrypted for key {needed}, which is not on this workstation "
            f"(this workstation has {mine}); ask the confidant who holds that key"
        )
    if isinstance(exc, ItemChecksumMismatch):
        return f"checksum mismatch, refused: {exc}"
    return f"could not be decrypted: {exc}"


def _cancellable(
    progress: ProgressFactory | None, cancelled: Callable[[], bool]
) -> ProgressFactory:
    # Every item gets a progress callback (even when the caller wanted none for
    # it), because that callback is where a cancel request interrupts gpg.
    def factory(item: ManifestItem) -> Callable[[int], None]:
        inner = progress(item) if progress else None

        def on_progress(done: int) -> None:
            if cancelled():
                raise OpenCancelled()
            if inner is not None:
                inner(done)

        return on_progress

    return factory


def open_bundle_into(
    bundle_path: Path,
    target: Path,
    *,
    home: GpgHome,
    passphrase: str,
    limits: BundleLimits | None = None,
    progress: ProgressFactory | None = None,
    own_keys: list[str] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> OpenReport:
    """Decrypt a bundle into ``target/<designation>/``: transcript files plus ``files/``.

    ``own_keys``: the home's secret key ids when the caller has just listed them right
    after stopping the agent (the CLI does, to refuse early); otherwise this stops the
    agent and lists them itself.

    Invariant: the bundle's structure and manifest are checked before
    anything is written; files are named only from sanitised names inside
    ``target/<designation>/files`` and never overwrite anything; every
    plaintext file is written under a hidden partial name and renamed only
    after gpg and the manifest checksum vouched for it. A damaged item or one
    for another key is refused and reported while the rest goes on; a wrong
    passphrase or a full disk stops the run and removes what it wrote (raises
    OpenAborted). The gpg agent is stopped afterwards so the unlocked key
    does not linger in memory.

    ``cancelled`` is asked before each item and after each 1 MiB of
    ciphertext; once it answers True the run stops within that chunk, removes
    everything it wrote (as for a wrong passphrase) and raises OpenCancelled.
    """
    limits = limits or BundleLimits()
    if own_keys is None:
        home.kill_agent()  # a cached passphrase would hide a wrong one
    if cancelled is not None:
        progress = _cancellable(progress, cancelled)
    try:
        with open_bundle(bundle_path, limits) as bundle:
            folder = Path(target) / conversation_folder_name(bundle.manifest.designation)
            report = OpenReport(folder=folder)
            Path(target).mkdir(mode=0o700, parents=True, exist_ok=True)
            writer = RunWriter(folder)
            writer.mkdir(folder)
            remove_stale_partials(folder, folder / FILES_FOLDER)
            needed = _warn_if_short_of_room(bundle.manifest, folder, report)
            run = _Run(bundle, writer, home, passphrase, limits, progress,
                       own_keys if own_keys is not None else secret_key_ids(home))
            with _rolled_back_on_failure(writer, target, needed):
                _open_all(run, report, cancelled)
            return report
    finally:
        home.kill_agent()


@dataclasses.dataclass
class _Run:
    """What every item of one opening run is opened with."""

    bundle: BundleReader
    writer: RunWriter
    home: GpgHome
    passphrase: str
    limits: BundleLimits
    progress: ProgressFactory | None
    own_keys: list[str]


def _warn_if_short_of_room(manifest: BundleManifest, folder: Path, report: OpenReport) -> int:
    """The bytes the bundle holds; a warning in ``report`` if the folder has less free."""
    free = shutil.disk_usage(folder).free
    needed = sum(item.size for item in manifest.items)
    if needed > free:
        report.warnings.append(
            f"{folder} has {human_size(free)} free and the bundle holds "
            f"{human_size(needed)}: it may not fit"
        )
    return needed


@contextlib.contextmanager
def _rolled_back_on_failure(writer: RunWriter, target: Path, needed: int) -> Iterator[None]:
    """Any failure removes what the run wrote; a wrong passphrase or a full disk is told as
    OpenAborted with what to do."""
    try:
        yield
    except BadPassphrase as exc:
        writer.roll_back()
        raise OpenAborted(
            "wrong passphrase: your key could not be unlocked; nothing was written", exc
        ) from exc
    except TargetDiskFull as exc:
        writer.roll_back()
        raise OpenAborted(
            f"the disk under {target} is full; nothing from this bundle was kept. "
            f"Free at least {human_size(needed)} and open it again",
            exc,
        ) from exc
    except BaseException:
        writer.roll_back()
        raise


def _open_all(run: _Run, report: OpenReport, cancelled: Callable[[], bool] | None) -> None:
    """Open every item in turn, then pin the reporter key and write both transcripts."""
    manifest = run.bundle.manifest
    budget = run.limits.max_total_bytes
    with public_keyring(manifest.reporter_key) as signer:
        authors = ReporterKeyCheck(report.folder, signer, report)
        for item in manifest.items:
            if cancelled is not None and cancelled():
                raise OpenCancelled()
            entry = _open_item(run, item, budget, authors)
            budget -= entry.file_size
            report.entries.append(entry)
            if entry.problem is not None:
                report.refused.append((item.seq, entry.problem))
        authors.finish(run.writer)
        text = render_text(manifest.designation, manifest.created_on, report.entries)
        page = render_html(manifest.designation, manifest.created_on, report.entries)
        report.transcript_paths = [
            run.writer.write_atomic("transcript.txt", text.encode("utf-8")),
            run.writer.write_atomic("transcript.html", page.encode("utf-8")),
        ]


def _open_item(
    run: _Run, item: ManifestItem, budget: int, authors: ReporterKeyCheck
) -> TranscriptEntry:
    """One item decrypted, or refused with the reason (another key, damaged) while the run
    goes on; a wrong passphrase or a full disk stops the run."""
    base = TranscriptEntry(seq=item.seq, kind=item.kind, day=item.day, author=item.author)
    try:
        with disk_full_is_target_full(), run.bundle.open_item(item) as source:
            one = _OneItem(run, item, source, budget, authors, base)
            if item.kind == "file" or item.size > _INLINE_LIMIT:
                return one.to_file()
            return one.inline()
    except (BadPassphrase, TargetDiskFull):
        raise
    except (DecryptionFailed, ItemChecksumMismatch) as exc:
        return dataclasses.replace(base, problem=_describe_refusal(exc, run.own_keys))


class _GpgOptions(TypedDict):
    passphrase: str
    on_progress: Callable[[int], None] | None
    signer_keyring: os.PathLike[str] | None


@dataclasses.dataclass
class _OneItem:
    """One item of the run being decrypted from its verified stream."""

    run: _Run
    item: ManifestItem
    source: VerifiedItemStream
    budget: int
    authors: ReporterKeyCheck
    base: TranscriptEntry

    def gpg_options(self) -> _GpgOptions:
        """How gpg opens the item: the passphrase, its progress hook, and for a reporter's
        item the keyring its signature is checked against."""
        item, run = self.item, self.run
        return {
            "passphrase": run.passphrase,
            "on_progress": run.progress(item) if run.progress else None,
            "signer_keyring": self.authors.keyring if item.author == REPORTER else None,
        }

    def to_file(self) -> TranscriptEntry:
        """A file, or a message too long for the transcript, into ``files/`` under a safe
        name."""
        item, writer = self.item, self.run.writer
        files = writer.mkdir(writer.folder / FILES_FOLDER)
        fallback = f"file-{item.seq}" if item.kind == "file" else f"message-{item.seq}.txt"
        written = decrypt_to_directory(
            self.run.home,
            self.source,
            files,
            name_for=lambda embedded: free_path(files, sanitise_filename(embedded, fallback)),
            max_output_bytes=_output_limit(item, self.run.limits, self.budget),
            **self.gpg_options(),
        )
        writer.created.append(written.path)
        text = None
        if item.kind != "file":
            text = f"(long message: read {FILES_FOLDER}/{written.path.name})"
        return dataclasses.replace(
            self.base,
            text=text,
            file_path=f"{FILES_FOLDER}/{written.path.name}",
            file_size=written.size,
            authorship=self.authors.judge(item, written.signature),
        )

    def inline(self) -> TranscriptEntry:
        """A message shown in the transcript, decrypted through a nameless temp file."""
        limit = min(_output_limit(self.item, self.run.limits, self.budget), _INLINE_LIMIT)
        # An anonymous temp file (O_TMPFILE) on the target disk: it has no
        # name at all, so nothing is left behind even on a power cut.
        with tempfile.TemporaryFile(dir=self.run.writer.folder) as scratch:
            result = decrypt_stream(
                self.run.home, self.source, scratch, max_output_bytes=limit, **self.gpg_options()
            )
            scratch.seek(0)
            text = scratch.read(_INLINE_LIMIT).decode("utf-8", "replace")
        authorship = self.authors.judge(self.item, result.signature)
        return dataclasses.replace(self.base, text=text, authorship=authorship)
