"""Throwaway gpg homes on tmpfs for a reporter's key, and the sweep of those a killed
process left behind.

Invariants:
- every home lives in one private folder per user, ``/dev/shm/kring-gpg-<uid>`` (0700,
  this user's, not a symlink; the system temp dir only where /dev/shm does not exist),
  made by ``prepare_ephemeral_parent`` when a process starts, so /dev/shm itself changes
  at start-up and never at a reporter's action;
- a home's name carries the pid of the process that made it: a sweep removes a home only
  when that process is gone, never the home of a live process;
- after every create and every remove the parent's access and modification times are the
  start of the UTC day, so the parent never dates a reporter's key operation (invariant 2).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from kring.crypto.errors import UnsafeEphemeralParent
from kring.crypto.gpg import FAST_S2K_COUNT, GpgHome
from kring.daytime import day_start_ns

# tmpfs: a throwaway home for secret-key work lives in memory only.
TMPFS_DIR = Path("/dev/shm")  # noqa: S108 - the parent is checked to be ours and 0700
PARENT_PREFIX = "kring-gpg-"
# What callers name a home by: kring-<purpose>- (the pid and mkdtemp's letters follow).
_PREFIX_RE = re.compile(r"^kring-[a-z]+-$")
# pid_max is at most 2**22: ten digits keep os.kill's argument a C int.
_HOME_RE = re.compile(r"^kring-[a-z]+-(?P<pid>[1-9][0-9]{0,9})-[a-z0-9_]+$")


def ephemeral_parent() -> Path:
    """This user's folder of throwaway gpg homes (it may not exist yet)."""
    base = TMPFS_DIR if TMPFS_DIR.is_dir() else Path(tempfile.gettempdir())
    return base / f"{PARENT_PREFIX}{os.getuid()}"


def _settle(parent: Path) -> None:
    """Set the parent's access and modification times back to the day's start."""
    day = day_start_ns()
    with contextlib.suppress(FileNotFoundError):
        os.utime(parent, ns=(day, day))


def prepare_ephemeral_parent() -> Path:
    """Make (or check) this user's folder of throwaway gpg homes and return it.

    Call where a process starts (both apps' workers, the CLI's jobs), so the folder's
    creation dates the start-up and not a reporter's first key operation. Raises
    UnsafeEphemeralParent when the name is taken by a symlink, a file or another user.
    """
    parent = ephemeral_parent()
    with contextlib.suppress(FileExistsError):
        os.mkdir(parent, 0o700)
        _settle(parent)
    found = os.lstat(parent)
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid():
        raise UnsafeEphemeralParent(
            f"{parent} is not a private folder of this user; remove it and start again"
        )
    if stat.S_IMODE(found.st_mode) != 0o700:
        os.chmod(parent, 0o700)
    return parent


def _remove_home(home: GpgHome) -> None:
    home.kill_agent()
    shutil.rmtree(home.path, ignore_errors=True)


@contextlib.contextmanager
def ephemeral_home(prefix: str = "kring-gpg-") -> Iterator[GpgHome]:
    """A throwaway gpg home on tmpfs, removed (agent stopped) on exit.

    Invariant: secret key material that is unlocked for a moment (a reporter's
    reply key) lives only in memory-backed storage and is gone after use; the
    parent's times show the day only. ``prefix`` is ``kring-<purpose>-``.
    """
    if not _PREFIX_RE.match(prefix):
        raise ValueError(f"an ephemeral home's prefix is kring-<purpose>-, not {prefix!r}")
    parent = prepare_ephemeral_parent()
    home = GpgHome(Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent)))
    _settle(parent)
    try:
        home.ensure()
        # The keys handled here are locked with passphrases derived by argon2id
        # from a 90-bit codename: the KDF already makes guessing infeasible, so
        # gpg's own S2K stretching (calibrated to seconds on slow VMs) only costs
        # time on every codename creation and login.
        (home.path / "gpg-agent.conf").write_text(f"s2k-count {FAST_S2K_COUNT}\n")
        yield home
    finally:
        _remove_home(home)
        _settle(parent)


def _process_alive(pid: int) -> bool:
    """Whether ``pid`` names a process (a zombie not yet reaped counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def sweep_ephemeral_homes() -> int:
    """Remove the homes whose process is gone (their gpg-agent stopped first); return
    how many. No name is logged or returned: a count only.

    A killed process (SIGKILL, an OOM kill, a worker timeout) skips ``ephemeral_home``'s
    clean-up and leaves a reporter's locked key, and maybe a running agent, behind. The
    home of a live process is never touched. A dead process's pid that the kernel has
    already given to another live process keeps its home until a later sweep.
    """
    parent = ephemeral_parent()
    if not parent.is_dir():
        return 0
    parent = prepare_ephemeral_parent()
    removed = 0
    with os.scandir(parent) as entries:
        orphans = [
            Path(entry.path)
            for entry in entries
            if (found := _HOME_RE.match(entry.name))
            and entry.is_dir(follow_symlinks=False)
            and not _process_alive(int(found["pid"]))
        ]
    for orphan in orphans:
        _remove_home(GpgHome(orphan))
        removed += 1
    # Listing the folder moved its access time too (relatime): back to the day's start.
    _settle(parent)
    return removed
