"""Streaming decryption with a confidant's own gpg home (the air-gapped workstation).

Ciphertext is fed to ``gpg --decrypt`` in chunks; gpg writes plaintext
straight into the caller's file, so memory stays flat whatever the size. The
passphrase reaches gpg through a pipe (``--passphrase-fd``), never argv.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import os
import resource
import secrets
import signal
import subprocess
import threading
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import IO, Protocol

from kring.atomic import PARTIAL_PREFIX, fsync_folder
from kring.crypto.errors import (
    BadPassphrase,
    DecryptionFailed,
    NoSecretKey,
    OutputTooLarge,
    TargetDiskFull,
)
from kring.crypto.gpg import GpgHome, pipe_with_content, status_lines
from kring.crypto.writeback import EarlyWriteback

_CHUNK = 1024 * 1024
_F_SETPIPE_SZ = 1031


class ReadableStream(Protocol):
    """Anything with ``read(n) -> bytes`` (a file, a verified bundle item)."""

    def read(self, size: int = ..., /) -> bytes: ...


@dataclasses.dataclass(frozen=True)
class SignatureCheck:
    """What gpg said about the signature inside a decrypted item.

    ``state``: "good" (every signature checked out; ``fingerprint`` is the
    signing primary key's), "bad" (a signature does not match the data),
    "unknown_key" (signed by a key not in the keyring given; ``fingerprint``
    as far as the signature names it) or "none" (not signed).
    """

    state: str
    fingerprint: str = ""


UNSIGNED = SignatureCheck("none")


def signature_check(lines: list[list[str]]) -> SignatureCheck:
    """The verdict from gpg's status lines; any bad or uncheckable signature wins."""
    if any(line[0] == "BADSIG" for line in lines):
        return SignatureCheck("bad")
    for line in lines:
        if line[0] == "ERRSIG":
            # ERRSIG <keyid> <algo> <hash> <class> <time> <rc> [<fingerprint>]
            named = line[7] if len(line) > 7 and line[7] != "-" else line[1:2]
            return SignatureCheck("unknown_key", "".join(named))
    valid = [line for line in lines if line[0] == "VALIDSIG" and len(line) > 1]
    if valid and any(line[0] == "GOODSIG" for line in lines):
        primaries = {line[10] if len(line) > 10 else line[1] for line in valid}
        if len(primaries) == 1:
            return SignatureCheck("good", primaries.pop())
        return SignatureCheck("unknown_key", "")  # signed by several keys: not one author
    return UNSIGNED


@dataclasses.dataclass(frozen=True)
class DecryptResult:
    """What gpg said about a successful decryption."""

    embedded_filename: str
    bytes_in: int
    signature: SignatureCheck = UNSIGNED


@dataclasses.dataclass(frozen=True)
class DecryptedFile:
    """A decrypted file that was fsync'd and renamed to its final path."""

    path: Path
    embedded_filename: str
    size: int
    signature: SignatureCheck = UNSIGNED


def _unescape_status(value: str) -> str:
    # gpg percent-escapes '%', control characters and spaces in status lines.
    return urllib.parse.unquote_to_bytes(value).decode("utf-8", "replace")


def _disk_full(fd: int) -> bool:
    try:
        info = os.fstatvfs(fd)
    except OSError:
        return False
    return info.f_bavail * info.f_frsize < 2 * _CHUNK


# libgpg-error codes (low 16 bits of an ERROR status code).
_GPG_ERR_BAD_PASSPHRASE = 11
_GPG_ERR_NO_PASSPHRASE = 177  # "No passphrase given" (an empty passphrase for a protected key)


def _agent_refused_passphrase(lines: list[list[str]]) -> bool:
    # With --pinentry-mode loopback gpg 2.2 reports a wrong passphrase only as
    # "ERROR pkdecrypt_failed <code>", not as BAD_PASSPHRASE.
    for line in lines:
        if line[0] == "ERROR" and len(line) > 2 and line[2].isdigit():
            code = int(line[2]) & 0xFFFF
            if code in (_GPG_ERR_BAD_PASSPHRASE, _GPG_ERR_NO_PASSPHRASE):
                return True
    return False


def _interpret(
    returncode: int, stderr: bytes, output_fd: int, source_error: BaseException | None
) -> DecryptResult:
    lines = status_lines(stderr)
    tokens = {line[0] for line in lines if line}
    enc_to = tuple(
        dict.fromkeys(line[1] for line in lines if line[0] == "ENC_TO" and len(line) > 1)
    )
    no_seckey = {line[1] for line in lines if line[0] == "NO_SECKEY" and len(line) > 1}
    if "BAD_PASSPHRASE" in tokens or _agent_refused_passphrase(lines):
        raise BadPassphrase("the passphrase does not unlock your secret key")
    if enc_to and set(enc_to) <= no_seckey:
        keys = ", ".join(enc_to)
        raise NoSecretKey(
            f"encrypted for key {keys}, which is not on this workstation", key_ids=enc_to
        )
    if source_error is not None:
        raise source_error
    if returncode == -signal.SIGXFSZ:
        raise OutputTooLarge("the plaintext is larger than allowed (compression bomb?)")
    human = [
        line
        for line in stderr.decode("utf-8", "replace").splitlines()
        if not line.startswith("[GNUPG:]")
    ]
    if any("No space left" in line for line in human) or (
        returncode != 0 and _disk_full(output_fd)
    ):
        raise TargetDiskFull("the disk is full")
    integrity = "GOODMDC" in tokens or any(
        line[0] == "DECRYPTION_INFO" and len(line) > 3 and line[3] != "0" for line in lines
    )
    signature = signature_check(lines)
    # gpg exits non-zero for a signature it cannot check or that does not
    # match, after writing the whole (integrity-checked) plaintext: that is a
    # verdict about the author, reported to the caller, not a failed decryption.
    explained = signature.state in ("bad", "unknown_key") and returncode in (1, 2)
    if (
        (returncode != 0 and not explained)
        or "DECRYPTION_OKAY" not in tokens
        or "DECRYPTION_FAILED" in tokens
        or not integrity
    ):
        said = [line for line in human if line.startswith("gpg: ")]
        reason = said[-1] if said else "gpg could not decrypt it"
        raise DecryptionFailed(reason.removeprefix("gpg: "))
    name = ""
    for line in lines:
        if line[0] == "PLAINTEXT" and len(line) > 3:
            name = _unescape_status(line[3])
    return DecryptResult(embedded_filename=name, bytes_in=0, signature=signature)


def decrypt_stream(
    home: GpgHome,
    source: ReadableStream,
    output: IO[bytes],
    *,
    passphrase: str,
    max_output_bytes: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    signer_keyring: os.PathLike[str] | None = None,
) -> DecryptResult:
    """Decrypt ``source`` with the secret key in ``home``; plaintext goes into ``output``.

    Invariant: the ciphertext passes through in 1 MiB chunks and gpg writes
    plaintext directly to ``output``'s file descriptor, so no item is ever held
    whole in memory; the passphrase goes through a pipe, never argv. Returns
    only when gpg reported DECRYPTION_OKAY with integrity protection (MDC or
    AEAD) and no DECRYPTION_FAILED, and ``source`` read to its end without
    error (a VerifiedItemStream raises there on a checksum mismatch). Raises
    BadPassphrase, NoSecretKey (naming the key ids needed), OutputTooLarge
    (the output grew past ``max_output_bytes``: gpg is stopped by the kernel's
    file-size limit), TargetDiskFull or DecryptionFailed. The caller owns
    ``output`` and must discard it on any exception. ``signer_keyring``: a
    keyring with the key the item should be signed by (checked besides the
    home's own); the result's ``signature`` says what gpg found.
    """
    proc = _start_gpg_decrypt(home, output, passphrase, signer_keyring, max_output_bytes)
    assert proc.stderr is not None  # noqa: S101 - Popen contract
    stderr_chunks: list[bytes] = []
    stderr_reader = threading.Thread(
        target=lambda: stderr_chunks.append(proc.stderr.read() if proc.stderr else b""),
        daemon=True,
    )
    stderr_reader.start()
    try:
        bytes_in, source_error = _feed_ciphertext(proc, source, on_progress)
    finally:
        returncode = proc.wait()
        stderr_reader.join()
        proc.stderr.close()
    if source_error is not None and not isinstance(source_error, Exception):
        raise source_error  # KeyboardInterrupt and friends
    result = _interpret(returncode, b"".join(stderr_chunks), output.fileno(), source_error)
    return dataclasses.replace(result, bytes_in=bytes_in)


def _start_gpg_decrypt(
    home: GpgHome,
    output: IO[bytes],
    passphrase: str,
    signer_keyring: os.PathLike[str] | None,
    max_output_bytes: int | None,
) -> subprocess.Popen[bytes]:
    """gpg decrypting its stdin into ``output``'s descriptor, status on stderr.

    Invariant: the passphrase reaches gpg through a pipe (never argv) that is closed here
    once gpg holds it, and the output size limit is in force before gpg reads a byte.
    """
    passphrase_fd = pipe_with_content(passphrase.encode("utf-8") + b"\n")
    try:
        args = home.args(
            "--status-fd",
            "2",
            "--pinentry-mode",
            "loopback",
            "--passphrase-fd",
            str(passphrase_fd),
            *(
                ["--keyring", os.fspath(signer_keyring), "--trust-model", "always"]
                if signer_keyring is not None
                else []
            ),
            "--decrypt",
        )
        # --quiet also silences the "ERROR pkdecrypt_failed" status that is
        # the only sign of a wrong passphrase in loopback mode.
        args = [arg for arg in args if arg != "--quiet"]
        proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=output,
            stderr=subprocess.PIPE,
            pass_fds=[passphrase_fd],
            # gpg's human messages are matched in English (disk full).
            env={**os.environ, "LC_ALL": "C", "LANGUAGE": "C"},
            bufsize=0,
        )
    finally:
        os.close(passphrase_fd)
    assert proc.stdin is not None  # noqa: S101 - Popen contract
    if max_output_bytes is not None:
        # Set before gpg is given a byte of ciphertext, so it cannot write past it.
        with contextlib.suppress(OSError):
            resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (max_output_bytes,) * 2)
    with contextlib.suppress(OSError):
        fcntl.fcntl(proc.stdin.fileno(), _F_SETPIPE_SZ, _CHUNK)
    return proc


def _feed_ciphertext(
    proc: subprocess.Popen[bytes],
    source: ReadableStream,
    on_progress: Callable[[int], None] | None,
) -> tuple[int, BaseException | None]:
    """Pass ``source`` to gpg in 1 MiB chunks; return the bytes fed and the source's error.

    Invariant: gpg's stdin is closed however this ends, and when reading the source fails
    (a checksum mismatch, Ctrl-C) gpg is killed first, so it cannot vouch for the output.
    """
    assert proc.stdin is not None  # noqa: S101 - Popen contract
    bytes_in = 0
    source_error: BaseException | None = None
    try:
        while True:
            chunk = source.read(_CHUNK)
            if not chunk:
                break
            try:
                proc.stdin.write(chunk)
            except BrokenPipeError:
                break  # gpg stopped early (no key, bad data); its status says why
            bytes_in += len(chunk)
            if on_progress is not None:
                on_progress(bytes_in)
    except BaseException as exc:
        source_error = exc
        proc.kill()
    finally:
        with contextlib.suppress(BrokenPipeError, OSError):
            proc.stdin.close()
    return bytes_in, source_error


def _with_early_writeback(
    fd: int, on_progress: Callable[[int], None] | None
) -> Callable[[int], None]:
    writeback = EarlyWriteback(fd)

    def progress(done: int) -> None:
        writeback.progress(done)
        if on_progress is not None:
            on_progress(done)

    return progress


def decrypt_to_directory(
    home: GpgHome,
    source: ReadableStream,
    target_dir: Path,
    *,
    passphrase: str,
    name_for: Callable[[str], Path],
    max_output_bytes: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    signer_keyring: os.PathLike[str] | None = None,
) -> DecryptedFile:
    """Decrypt ``source`` into ``target_dir`` under the name ``name_for(embedded name)``.

    Invariant: plaintext is written to a hidden ``.kring-partial-*`` file in
    ``target_dir`` (mode 0600), fsync'd and renamed only after decrypt_stream
    succeeded; on any failure the partial file is removed, so no half-written
    file ever carries a name that looks complete. ``name_for`` must return a
    path directly inside ``target_dir`` that does not exist yet (checked).
    """
    target_dir = Path(target_dir)
    temp = target_dir / f"{PARTIAL_PREFIX}{secrets.token_hex(8)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            result = decrypt_stream(
                home,
                source,
                handle,
                passphrase=passphrase,
                max_output_bytes=max_output_bytes,
                on_progress=_with_early_writeback(handle.fileno(), on_progress),
                signer_keyring=signer_keyring,
            )
            try:
                os.fsync(handle.fileno())
            except OSError as exc:
                if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise TargetDiskFull("the disk is full") from exc
                raise
        final = name_for(result.embedded_filename)
        if final.parent.resolve() != target_dir.resolve() or final.exists():
            raise ValueError(f"refusing to write {final}: outside the folder or already there")
        size = temp.stat().st_size
        os.rename(temp, final)
        fsync_folder(target_dir)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    return DecryptedFile(
        path=final,
        embedded_filename=result.embedded_filename,
        size=size,
        signature=result.signature,
    )
