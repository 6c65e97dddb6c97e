"""Exporting a decrypted file for sharing, with its metadata removed by mat2."""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from kring.workstation.filenames import free_path, sanitise_filename


class Mat2NotInstalled(Exception):
    """mat2 is not on PATH (Debian and Tails: the mat2 package)."""


@dataclasses.dataclass(frozen=True)
class ExportResult:
    """One file: where its cleaned copy went, or why it was not exported."""

    source: Path
    exported: Path | None
    problem: str | None = None


def _mat2() -> str:
    found = shutil.which("mat2")
    if found is None:
        raise Mat2NotInstalled("mat2 is not installed: sudo apt install mat2")
    return found


def _reason(output: str, copy: Path, shown_name: str) -> str:
    """mat2's reason, naming the file as the confidant knows it.

    mat2 says e.g. "[-] /target/.kring-export-x1y2/x.bin's format
    (application/octet-stream) is not supported": the private work folder is an
    internal detail, so its path is replaced by the file's own name.
    """
    output = output.replace(str(copy), shown_name).replace(str(copy.parent) + "/", "")
    lines = [line.removeprefix("[-] ").strip() for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else "mat2 could not clean it"


def export_cleaned(files: Sequence[Path], target: Path) -> list[ExportResult]:
    """Copy each file into ``target`` with its metadata removed by mat2.

    Invariant: only a copy that mat2 cleaned successfully reaches ``target``
    (under a sanitised name that never overwrites); the decrypted original is
    never modified, and a file in a format mat2 cannot clean is not exported
    at all, with mat2's reason (its format) reported.
    """
    mat2 = _mat2()
    target = Path(target)
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    results = []
    # The copy is cleaned in a private folder on the same disk, then renamed:
    # an uncleaned copy never carries a name in the target folder.
    work = Path(tempfile.mkdtemp(prefix=".kring-export-", dir=target))
    try:
        for source in files:
            source = Path(source)
            if not source.is_file():
                results.append(ExportResult(source, None, "not a regular file"))
                continue
            name = sanitise_filename(source.name, "exported-file")
            copy = work / name
            shutil.copyfile(source, copy)
            cleaned = subprocess.run(
                [mat2, "--inplace", str(copy)],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if cleaned.returncode != 0 or not copy.is_file():
                with contextlib.suppress(FileNotFoundError):
                    copy.unlink()
                reason = _reason(cleaned.stdout + cleaned.stderr, copy, source.name)
                results.append(ExportResult(source, None, reason))
                continue
            final = free_path(target, name)
            copy.rename(final)
            results.append(ExportResult(source, final))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results
