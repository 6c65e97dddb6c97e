"""Throwaway gpg homes: a killed process's home and agent are swept, a live one's never,
and the folder they live in shows only the day's start (real gpg, real processes)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kring.crypto.decrypt import decrypt_with_locked_key
from kring.crypto.encrypt import encrypt_bytes
from kring.crypto.ephemeral import (
    ephemeral_home,
    ephemeral_parent,
    prepare_ephemeral_parent,
    sweep_ephemeral_homes,
)
from kring.crypto.errors import UnsafeEphemeralParent
from kring.crypto.gpg import GpgHome
from kring.crypto.keys import generate_reporter_keypair
from kring.crypto.signing import ReporterSigner
from kring.daytime import day_start_ns
from tests.conftest import eventually

# A process that opens a home, starts its gpg-agent, says where both are, then waits for
# a line on stdin (it leaves the home cleanly) or for the kill that skips the clean-up.
HOLDER = r"""
import subprocess, sys
from pathlib import Path
import kring.crypto.ephemeral as ephemeral
ephemeral.TMPFS_DIR = Path(sys.argv[1])
with ephemeral.ephemeral_home("kring-sign-") as home:
    agent = subprocess.run(
        ["gpg-connect-agent", "--homedir", str(home.path), "GETINFO pid", "/bye"],
        capture_output=True, text=True, check=True,
    ).stdout
    pid = next(line.split()[1] for line in agent.splitlines() if line.startswith("D "))
    print(home.path, pid, flush=True)
    sys.stdin.readline()
"""


def _gone(pid: int) -> bool:
    """Whether ``pid`` has exited (a zombie waiting for its parent counts as gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return True
    return fields[0] == "Z"


@pytest.fixture
def holder(private_tmpfs: Path) -> Iterator[tuple[subprocess.Popen[str], Path, int]]:
    """A live process holding a home with a running agent: (process, home, agent pid)."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(private_tmpfs)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            home, agent = process.stdout.readline().split()
            yield process, Path(home), int(agent)
        finally:
            process.kill()


def _day_only(path: Path) -> bool:
    st = os.stat(path)
    return st.st_atime_ns == st.st_mtime_ns == day_start_ns()


def test_a_killed_process_leaves_its_home_and_agent_and_the_sweep_removes_both(
    holder: tuple[subprocess.Popen[str], Path, int],
) -> None:
    process, home, agent = holder
    assert home.parent == ephemeral_parent()
    assert home.name.startswith(f"kring-sign-{process.pid}-")
    process.kill()
    process.wait(timeout=30)
    # What the sweep is for: SIGKILL skipped the clean-up and the agent outlived its caller.
    assert (home / "gpg-agent.conf").exists()
    assert not _gone(agent)

    assert sweep_ephemeral_homes() == 1
    assert not home.exists()
    assert eventually(lambda: _gone(agent), 10), "the orphan's gpg-agent still runs"
    # Times first: listing a folder moves its access time (relatime), as any reader would.
    assert _day_only(ephemeral_parent())
    assert list(ephemeral_parent().iterdir()) == []
    assert sweep_ephemeral_homes() == 0


def test_the_sweep_never_touches_a_live_process_home(
    holder: tuple[subprocess.Popen[str], Path, int],
) -> None:
    process, home, agent = holder
    with ephemeral_home("kring-reply-") as own:
        assert sweep_ephemeral_homes() == 0
        assert (own.path / "gpg-agent.conf").exists()
        assert (home / "gpg-agent.conf").exists()
        assert not _gone(agent)
    assert process.stdin is not None
    process.stdin.write("done\n")
    process.stdin.flush()
    assert process.wait(timeout=30) == 0
    # Left cleanly: the holder removed its own home and stopped its agent.
    assert not home.exists()
    assert eventually(lambda: _gone(agent), 10)


def test_reporter_key_operations_leave_nothing_and_the_folder_shows_only_the_day(
    private_tmpfs: Path, gpg_homes: Callable[[str], GpgHome]
) -> None:
    parent = prepare_ephemeral_parent()
    tmpfs_changed = os.stat(private_tmpfs).st_mtime_ns
    passphrase = "p" * 64
    pair = generate_reporter_keypair(passphrase)  # codename creation
    signer = ReporterSigner(pair.secret_key, passphrase)  # a submission
    try:
        assert _day_only(parent)
        assert [p.name.split("-")[:3] for p in parent.iterdir()] == [
            ["kring", "sign", str(os.getpid())]
        ]
    finally:
        signer.close()
    ciphertext = encrypt_bytes(gpg_homes("confidant"), b"reply", [pair.public_key])
    assert decrypt_with_locked_key(pair.secret_key, passphrase, [ciphertext]) == [b"reply"]

    assert _day_only(parent)
    assert list(parent.iterdir()) == []
    # The tmpfs itself changed when the folder was made, at start-up, and not since.
    assert os.stat(private_tmpfs).st_mtime_ns == tmpfs_changed


def test_a_folder_name_taken_by_a_symlink_or_a_file_is_refused(
    private_tmpfs: Path, tmp_path: Path
) -> None:
    ephemeral_parent().symlink_to(tmp_path)
    with pytest.raises(UnsafeEphemeralParent), ephemeral_home("kring-keygen-"):
        pass
    assert list(tmp_path.iterdir()) == []
    ephemeral_parent().unlink()
    ephemeral_parent().write_text("")
    with pytest.raises(UnsafeEphemeralParent):
        prepare_ephemeral_parent()


def test_the_folder_is_private_and_a_home_is_named_by_purpose(private_tmpfs: Path) -> None:
    parent = prepare_ephemeral_parent()
    parent.chmod(0o755)
    with ephemeral_home("kring-inspect-") as home:
        assert parent.stat().st_mode & 0o777 == 0o700
        assert home.path.stat().st_mode & 0o777 == 0o700
    with pytest.raises(ValueError, match="prefix"), ephemeral_home("../elsewhere"):
        pass
