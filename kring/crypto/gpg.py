"""Running the gpg binary with an explicit home directory.

Every gpg call in Kring goes through here so that it always runs with
``--homedir`` (never the user's default keyring), in batch mode, without a TTY
and without reading a user's gpg.conf.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from kring.crypto.errors import GpgNotInstalled

# Smallest iteration count OpenPGP allows to encode; see kring.crypto.ephemeral.
FAST_S2K_COUNT = 65536


def gpg_binary() -> str:
    """Return the path of the gpg binary, or raise GpgNotInstalled."""
    found = shutil.which("gpg")
    if found is None:
        raise GpgNotInstalled("gpg was not found on PATH; install the gnupg package")
    return found


def day_start_utc(today: dt.date | None = None) -> str:
    """The start of today (UTC) in gpg's ``--faked-system-time`` format.

    OpenPGP packets carry creation times (the literal data packet records
    when the data was encrypted). Freezing gpg's clock at midnight keeps the
    invariant that no precise time of a reporter's action is recorded, not even
    inside the ciphertext.
    """
    day = today or dt.datetime.now(dt.UTC).date()
    return day.strftime("%Y%m%dT000000") + "!"


class GpgHome:
    """A gpg home directory and the common arguments for using it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def ensure(self) -> GpgHome:
        """Create the home with mode 0700 (gpg warns and may refuse otherwise)."""
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.path, 0o700)
        return self

    def args(self, *extra: str) -> list[str]:
        """The argument list that starts gpg on this home, followed by ``extra``."""
        return [
            gpg_binary(),
            "--homedir",
            str(self.path),
            "--no-options",
            "--batch",
            "--no-tty",
            "--quiet",
            "--no-greeting",
            "--no-permission-warning",
            *extra,
        ]

    def run(
        self,
        extra: Sequence[str],
        *,
        input_bytes: bytes | None = None,
        pass_fds: Sequence[int] = (),
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run gpg on this home with small in-memory input and output."""
        return subprocess.run(
            self.args(*extra),
            input=input_bytes,
            capture_output=True,
            pass_fds=tuple(pass_fds),
            timeout=timeout,
            check=False,
        )

    def run_unlocked(
        self,
        passphrase: str,
        extra: Sequence[str],
        *,
        input_bytes: bytes | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run gpg with ``passphrase`` for the secret key (loopback pinentry).

        Invariant: the passphrase reaches gpg through an in-memory descriptor, never argv,
        the environment or a file, and the descriptor is closed however the run ends.
        """
        fd = pipe_with_content(passphrase.encode("utf-8") + b"\n")
        try:
            return self.run(
                ["--pinentry-mode", "loopback", "--passphrase-fd", str(fd), *extra],
                input_bytes=input_bytes,
                pass_fds=[fd],
                timeout=timeout,
            )
        finally:
            os.close(fd)

    def kill_agent(self) -> None:
        """Stop a gpg-agent that gpg may have started for this home (and so its cached
        passphrases and any scdaemon it started).

        Only the agent: Kring never makes gpg start dirmngr (keys come from files, no
        keyserver or WKD lookups), and ``--kill all`` costs three agent connections instead
        of one on every workstation open and every reporter key operation.
        """
        gpgconf = shutil.which("gpgconf")
        if gpgconf is None:
            return
        subprocess.run(
            [gpgconf, "--homedir", str(self.path), "--kill", "gpg-agent"],
            capture_output=True,
            check=False,
            timeout=30,
        )


def status_lines(stderr_or_status: bytes) -> list[list[str]]:
    """Parse ``[GNUPG:]`` status lines into token lists (keyword first)."""
    lines = []
    for raw in stderr_or_status.decode("utf-8", "replace").splitlines():
        if raw.startswith("[GNUPG:] "):
            lines.append(raw[len("[GNUPG:] ") :].split(" "))
    return lines


# Public keys (a photo ID makes one hundreds of kB) and passphrases handed to gpg.
MAX_FD_CONTENT = 16 * 1024 * 1024


def fd_with_content(content: bytes) -> int:
    """Return a file descriptor to read ``content`` from, held in memory only.

    Used to hand public keys and passphrases to gpg as ``/dev/fd/N`` (or
    ``--passphrase-fd N``) so that nothing is written to disk and nothing
    shows in argv. It is a memfd (anonymous memory, like tmpfs), not a pipe:
    a pipe holds 64 KiB, so a larger key written before gpg starts reading
    would block forever. Opening ``/dev/fd/N`` of a memfd reads it from the
    start, as ``--recipient-file`` does. The caller closes the descriptor.
    """
    if len(content) > MAX_FD_CONTENT:
        raise ValueError("content too large to hand to gpg")
    if not hasattr(os, "memfd_create"):  # not Linux (a workstation elsewhere): a pipe
        return _pipe_with_small_content(content)
    fd = os.memfd_create("kring-gpg-input", os.MFD_CLOEXEC)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
        os.lseek(fd, 0, os.SEEK_SET)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _pipe_with_small_content(content: bytes) -> int:
    if len(content) > 60 * 1024:  # a pipe buffer is 64 KiB: more would block before gpg reads
        raise ValueError("content too large for a pipe on this system")
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, content)
    finally:
        os.close(write_fd)
    return read_fd


# The name callers used when this was a pipe; kept for code written against it.
pipe_with_content = fd_with_content
