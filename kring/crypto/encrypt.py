"""Encrypting to OpenPGP public keys with gpg, streaming or in memory.

Public keys are handed to gpg through in-memory pipes (``--recipient-file
/dev/fd/N``): the server keeps no keyring to fall out of sync with the
database, and no key file is written.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import threading
from collections.abc import Sequence
from typing import IO

from kring.crypto.errors import EncryptionFailed
from kring.crypto.gpg import GpgHome, day_start_utc, pipe_with_content, status_lines
from kring.crypto.signing import ReporterSigner

# Linux F_SETPIPE_SZ: a 1 MiB pipe lets the parser run ahead of gpg instead of
# waking it for every 64 KiB.
_F_SETPIPE_SZ = 1031
_PIPE_SIZE = 1024 * 1024


def _encrypt_args(
    home: GpgHome,
    key_fds: Sequence[int],
    filename: str | None,
    signer: ReporterSigner | None = None,
    passphrase_fd: int | None = None,
) -> list[str]:
    if signer is not None and passphrase_fd is not None:
        # Sign and encrypt in one pass: the signature ends up inside the
        # ciphertext, and gpg still streams (a one-pass signature packet).
        home = signer.home
        signing = signer.args(passphrase_fd)
    else:
        signing = []
    extra = [
        *signing,
        "--status-fd",
        "2",
        "--encrypt",
        # Media are already compressed and compression costs ~7x the time on
        # large files; the ciphertext size then also leaks nothing extra.
        "--compress-algo",
        "none",
        # Day-granular clock: the literal packet otherwise records the second
        # of encryption. Keys made later today would look "from the future".
        "--faked-system-time",
        day_start_utc(),
        "--ignore-time-conflict",
        "--ignore-valid-from",
        # gpg rewrites random_seed in its home on every run: its file times
        # would date the last submission.
        "--no-random-seed-file",
        "--set-filename",
        filename or "",
    ]
    for fd in key_fds:
        extra += ["--recipient-file", f"/dev/fd/{fd}"]
    return home.args(*extra)


def _check_status(returncode: int, stderr: bytes, *, signed: bool = False) -> None:
    tokens = {line[0] for line in status_lines(stderr) if line}
    if (
        returncode != 0
        or "END_ENCRYPTION" not in tokens
        or (signed and "SIG_CREATED" not in tokens)
    ):
        # gpg's own message helps the admin (e.g. unusable public key); it
        # never contains plaintext.
        message = stderr.decode("utf-8", "replace").strip().splitlines()
        reason = next((m for m in message if not m.startswith("[GNUPG:]")), "gpg failed")
        raise EncryptionFailed(reason)


def encrypt_bytes(
    home: GpgHome,
    data: bytes,
    recipient_keys: Sequence[str],
    *,
    filename: str | None = None,
    signer: ReporterSigner | None = None,
) -> bytes:
    """Encrypt a small plaintext in memory and return the binary ciphertext.

    Invariant: the plaintext goes to gpg through a pipe and never touches
    disk; at least one recipient is required. With ``signer`` the plaintext is
    also signed with the reporter's key, inside the encryption.
    """
    if not recipient_keys:
        raise EncryptionFailed("no recipient keys")
    fds = [pipe_with_content(key.encode()) for key in recipient_keys]
    passphrase_fd = signer.passphrase_fd() if signer is not None else None
    passed = [*fds, *([passphrase_fd] if passphrase_fd is not None else [])]
    try:
        proc = subprocess.run(
            _encrypt_args(home, fds, filename, signer, passphrase_fd),
            input=data,
            capture_output=True,
            pass_fds=passed,
            timeout=120,
            check=False,
        )
    finally:
        for fd in passed:
            os.close(fd)
    _check_status(proc.returncode, proc.stderr, signed=signer is not None)
    return proc.stdout


class StreamEncryptor:
    """Feed plaintext chunks in; ciphertext flows straight into ``output``.

    Invariant: plaintext exists only in the caller's chunk and the pipe to gpg
    (memory); gpg writes ciphertext directly to the caller's file.

    Why no writer thread: the pipe is enlarged to 1 MiB, so while gpg encrypts
    one chunk the producer already reads and parses the next; a blocked write
    releases the GIL. A queue plus writer thread was measured slower here:
    every hand-over between Python threads can wait a whole GIL switch
    interval, hundreds of times per upload.
    """

    def __init__(
        self,
        home: GpgHome,
        recipient_keys: Sequence[str],
        output: IO[bytes],
        *,
        filename: str | None = None,
        signer: ReporterSigner | None = None,
    ) -> None:
        if not recipient_keys:
            raise EncryptionFailed("no recipient keys")
        fds = [pipe_with_content(key.encode()) for key in recipient_keys]
        passphrase_fd = signer.passphrase_fd() if signer is not None else None
        passed = [*fds, *([passphrase_fd] if passphrase_fd is not None else [])]
        self._signed = signer is not None
        try:
            self._proc = subprocess.Popen(
                _encrypt_args(home, fds, filename, signer, passphrase_fd),
                stdin=subprocess.PIPE,
                stdout=output,
                stderr=subprocess.PIPE,
                pass_fds=passed,
                bufsize=0,
            )
        finally:
            for fd in passed:
                os.close(fd)
        assert self._proc.stdin is not None  # noqa: S101 - Popen contract
        self._stdin = self._proc.stdin
        with contextlib.suppress(OSError):
            fcntl.fcntl(self._stdin.fileno(), _F_SETPIPE_SZ, _PIPE_SIZE)
        self._stderr = b""
        # gpg's status output is small, but a full stderr pipe would block
        # gpg; a reader thread (idle in read(), GIL released) keeps it empty.
        self._stderr_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_reader.start()
        self._finished = False
        self.bytes_in = 0

    def _read_stderr(self) -> None:
        assert self._proc.stderr is not None  # noqa: S101
        with self._proc.stderr:
            self._stderr = self._proc.stderr.read()

    def write(self, chunk: bytes) -> None:
        """Pass a chunk to gpg (blocks while gpg's 1 MiB pipe is full)."""
        view = memoryview(chunk)
        try:
            while view:
                written = os.write(self._stdin.fileno(), view)
                view = view[written:]
        except OSError as exc:
            raise EncryptionFailed(f"gpg stopped reading: {exc}") from exc
        self.bytes_in += len(chunk)

    def finish(self) -> None:
        """Close the input, wait for gpg and raise EncryptionFailed unless it succeeded."""
        if self._finished:
            return
        self._finished = True
        with contextlib.suppress(OSError):
            self._stdin.close()
        returncode = self._proc.wait()
        self._stderr_reader.join()
        _check_status(returncode, self._stderr, signed=self._signed)

    def abort(self) -> None:
        """Stop gpg at once; the caller removes the partial output file."""
        if self._finished:
            return
        self._finished = True
        self._proc.kill()
        with contextlib.suppress(OSError):
            self._stdin.close()
        self._proc.wait()
        self._stderr_reader.join(timeout=10)
