"""Opening a bundle: verify, decrypt every item, write the transcript and the files."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from kring.atomic import PARTIAL_PREFIX, write_atomic
from kring.crypto.bundle import REPORTER, BundleLimits, BundleReader, ManifestItem, open_bundle
from kring.crypto.decrypt_stream import (
    SignatureCheck,
    decrypt_stream,
    decrypt_to_directory,
)
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
from kring.workstation.authorship import Authorship, judge_reporter_item
from kring.workstation.filenames import free_path, sanitise_filename
from kring.workstation.home import secret_key_ids
from kring.workstation.transcript import TranscriptEntry, render_html, render_text

FILES_FOLDER = "files"
# The fingerprint of the reporter key the first bundle of a conversation named;
# a later bundle naming another key is marked (trust on first use).
REPORTER_KEY_PIN = "reporter-key-fingerprint.txt"
# Messages up to this size are shown in the transcript; longer ones are also
# kept as a text file so the transcript stays readable.
MESSAGE_INLINE_BYTES = 1024 * 1024
_SLACK = 1024 * 1024

ProgressFactory = Callable[[ManifestItem], Callable[[int], None] | None]


@dataclasses.dataclass
class OpenReport:
    """What happened: where things went, what was opened, what was refused and why."""

    folder: Path
    entries: list[TranscriptEntry] = dataclasses.field(default_factory=list)
    refused: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    transcript_paths: list[Path] = dataclasses.field(default_factory=list)

    reporter_key: str | None = None  # fingerprint of the key the bundle names, if usable

    @property
    def opened(self) -> list[TranscriptEntry]:
        """Entries that were decrypted."""
        return [e for e in self.entries if e.problem is None]

    @property
    def verdicts(self) -> dict[int, Authorship]:
        """Each item's authorship verdict by seq (see kring.workstation.authorship)."""
        return {e.seq: e.authorship for e in self.entries}

    @property
    def unproven(self) -> list[TranscriptEntry]:
        """Decrypted items whose author is not proven: unsigned, another key, ..."""
        return [e for e in self.entries if not e.authorship.proven]


class OpenCancelled(BaseException):  # noqa: N818 - a request, like KeyboardInterrupt
    """The confidant cancelled the open (the desktop app's Cancel, or its window closed).

    A BaseException on purpose, like KeyboardInterrupt: it must pass through
    every ``except Exception`` in kring.crypto, so gpg is killed at once and
    the run's partial files and folders are removed, never reported as an
    item that "could not be decrypted".
    """


class OpenAborted(Exception):
    """Opening stopped part-way (wrong passphrase, full disk); what it wrote was removed."""

    def __init__(self, message: str, cause: BaseException) -> None:
        super().__init__(message)
        self.cause = cause


def conversation_folder_name(designation: str) -> str:
    """The folder for a conversation: its designation with spaces as hyphens."""
    return designation.replace(" ", "-")


class _Writer:
    """Tracks what this run created, so an aborted run can take it all back."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.created: list[Path] = []

    def mkdir(self, path: Path) -> Path:
        if not path.exists():
            path.mkdir(mode=0o700)
            self.created.append(path)
        return path

    def write_atomic(self, name: str, data: bytes) -> Path:
        try:
            final = write_atomic(free_path(self.folder, name), data, mode=0o600)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise TargetDiskFull("the disk is full") from exc
            raise
        self.created.append(final)
        return final

    def roll_back(self) -> None:
        for path in reversed(self.created):
            with contextlib.suppress(OSError):
                if path.is_dir():
                    path.rmdir()  # only if empty: never remove what was there before
                else:
                    path.unlink()


def _remove_stale_partials(folder: Path) -> None:
    # A run that was killed (power cut) can leave a hidden partial file behind.
    for sub in (folder, folder / FILES_FOLDER):
        if sub.is_dir():
            for stale in sub.glob(f"{PARTIAL_PREFIX}*"):
                with contextlib.suppress(OSError):
                    stale.unlink()


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
    try:
        with open_bundle(bundle_path, limits) as bundle:
            manifest = bundle.manifest
            folder = Path(target) / conversation_folder_name(manifest.designation)
            report = OpenReport(folder=folder)
            Path(target).mkdir(mode=0o700, parents=True, exist_ok=True)
            writer = _Writer(folder)
            writer.mkdir(folder)
            _remove_stale_partials(folder)
            free = shutil.disk_usage(folder).free
            needed = sum(item.size for item in manifest.items)
            if needed > free:
                report.warnings.append(
                    f"{folder} has {human_size(free)} free and the bundle holds "
                    f"{human_size(needed)}: it may not fit"
                )
            if own_keys is None:
                own_keys = secret_key_ids(home)
            budget = limits.max_total_bytes
            keyring = contextlib.ExitStack()
            if cancelled is not None:
                progress = _cancellable(progress, cancelled)
            try:
                signer = keyring.enter_context(public_keyring(manifest.reporter_key))
                authors = _ReporterKey(folder, signer, report)
                for item in manifest.items:
                    if cancelled is not None and cancelled():
                        raise OpenCancelled()
                    entry = _open_item(
                        bundle,
                        item,
                        writer,
                        home,
                        passphrase,
                        limits,
                        budget,
                        progress,
                        own_keys,
                        authors,
                    )
                    budget -= entry.file_size
                    report.entries.append(entry)
                    if entry.problem is not None:
                        report.refused.append((item.seq, entry.problem))
                authors.finish(writer)
                text = render_text(manifest.designation, manifest.created_on, report.entries)
                page = render_html(manifest.designation, manifest.created_on, report.entries)
                report.transcript_paths = [
                    writer.write_atomic("transcript.txt", text.encode("utf-8")),
                    writer.write_atomic("transcript.html", page.encode("utf-8")),
                ]
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
            finally:
                keyring.close()
            return report
    finally:
        home.kill_agent()


class _ReporterKey:
    """The reporter key of this conversation, and the verdict on each item."""

    def __init__(
        self, folder: Path, signer: tuple[os.PathLike[str], str] | None, report: OpenReport
    ) -> None:
        self.keyring = signer[0] if signer else None
        self.fingerprint = signer[1] if signer else None
        self._pin_path = folder / REPORTER_KEY_PIN
        pinned = None
        with contextlib.suppress(OSError, UnicodeDecodeError):
            pinned = self._pin_path.read_text("ascii").strip() or None
        self.pinned = pinned
        self.pinned_mismatch = bool(pinned and self.fingerprint and pinned != self.fingerprint)
        report.reporter_key = self.fingerprint
        if self.fingerprint is None:
            report.warnings.append(
                "the bundle names no usable reporter key: no reporter item can be shown to "
                "come from the person who holds this codename"
            )
        elif self.pinned_mismatch:
            report.warnings.append(
                f"the bundle names reporter key {self.fingerprint}, but earlier bundles of "
                f"this conversation named {pinned}: its reporter items are marked"
            )
        self._report = report
        self.signed_any = False

    def judge(self, item: ManifestItem, check: SignatureCheck) -> Authorship:
        if item.author != REPORTER:
            return Authorship.CONFIDANT_REPLY
        verdict = judge_reporter_item(
            check, expected=self.fingerprint, pinned_mismatch=self.pinned_mismatch
        )
        if verdict is Authorship.VERIFIED:
            self.signed_any = True
        return verdict

    def finish(self, writer: _Writer) -> None:
        """Pin the key after a first bundle that it signed; warn if it signed nothing."""
        reporter_items = [
            e for e in self._report.entries if e.author == REPORTER and e.problem is None
        ]
        if self.fingerprint and reporter_items and not self.signed_any:
            self._report.warnings.append(
                f"the bundle names reporter key {self.fingerprint}, but none of its "
                "reporter items is signed by it"
            )
        if self.fingerprint and self.signed_any and self.pinned is None:
            writer.write_atomic(REPORTER_KEY_PIN, (self.fingerprint + "\n").encode("ascii"))


def _open_item(
    bundle: BundleReader,
    item: ManifestItem,
    writer: _Writer,
    home: GpgHome,
    passphrase: str,
    limits: BundleLimits,
    budget: int,
    progress: ProgressFactory | None,
    own_keys: list[str],
    authors: _ReporterKey,
) -> TranscriptEntry:
    base = TranscriptEntry(seq=item.seq, kind=item.kind, day=item.day, author=item.author)
    on_progress = progress(item) if progress else None
    keyring = authors.keyring if item.author == REPORTER else None
    try:
        with bundle.open_item(item) as source:
            if item.kind == "file" or item.size > MESSAGE_INLINE_BYTES + _SLACK:
                files = writer.mkdir(writer.folder / FILES_FOLDER)
                fallback = f"file-{item.seq}" if item.kind == "file" else f"message-{item.seq}.txt"
                written = decrypt_to_directory(
                    home,
                    source,
                    files,
                    passphrase=passphrase,
                    name_for=lambda embedded: free_path(
                        files, sanitise_filename(embedded, fallback)
                    ),
                    max_output_bytes=_output_limit(item, limits, budget),
                    on_progress=on_progress,
                    signer_keyring=keyring,
                )
                writer.created.append(written.path)
                text = None
                if item.kind != "file":
                    text = f"(long message: read {FILES_FOLDER}/{written.path.name})"
                return dataclasses.replace(
                    base,
                    text=text,
                    file_path=f"{FILES_FOLDER}/{written.path.name}",
                    file_size=written.size,
                    authorship=authors.judge(item, written.signature),
                )
            # An anonymous temp file (O_TMPFILE) on the target disk: it has no
            # name at all, so nothing is left behind even on a power cut.
            with tempfile.TemporaryFile(dir=writer.folder) as scratch:
                result = decrypt_stream(
                    home,
                    source,
                    scratch,
                    passphrase=passphrase,
                    max_output_bytes=min(
                        _output_limit(item, limits, budget), MESSAGE_INLINE_BYTES + _SLACK
                    ),
                    on_progress=on_progress,
                    signer_keyring=keyring,
                )
                scratch.seek(0)
                text = scratch.read(MESSAGE_INLINE_BYTES + _SLACK).decode("utf-8", "replace")
            return dataclasses.replace(
                base, text=text, authorship=authors.judge(item, result.signature)
            )
    except (BadPassphrase, TargetDiskFull):
        raise
    except (DecryptionFailed, ItemChecksumMismatch) as exc:
        return dataclasses.replace(base, problem=_describe_refusal(exc, own_keys))
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise TargetDiskFull("the disk is full") from exc
        raise
