"""A small bounded pool for key derivation, with a short queue and a share for logins.

Each codename costs two argon2id derivations of 64 MiB. Run in whatever
thread a request happens to have, a burst of new reporters would make every
thread derive at once: memory climbs by 64 MiB a thread and every page,
including those that derive nothing, waits for the CPU. So derivations run
only inside this pool's slots:

- ``workers`` run at once, sized from the cores and the memory available;
- ``queue`` more may wait, a new codename for at most ``max_wait_s`` (0.9 s),
  a login for at most ``login_max_wait_s`` (3 s); a request beyond the queue,
  or one that waited too long, gets KdfBusy (the reporter sees "busy — try
  again in a minute", a 503, and nothing they typed is lost);
- logins have ``login_reserve`` places of the queue that codename creation
  cannot take, and a freed worker goes to a waiting login first, so a flood
  of new-codename requests cannot keep a returning reporter out;
- codename creation is also capped per minute (``creations_per_minute``);
- a first submission's reporter key pair (gpg, ~70 ms and a process) is made
  in a slot too, from the same share as new codenames (never the logins'):
  otherwise one codename posting many first submissions at once would start a
  gpg for each, an unbounded side door round the pool. ``key_pair_reserve``
  places of that share are kept from new codenames, and a freed worker goes
  to a key pair before a new codename, so a codename flood cannot turn away a
  reporter who has written their first message; it may wait
  ``key_pair_max_wait_s``.

Pages that need no derivation never touch the pool, so they never queue.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import enum
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class KdfBusy(Exception):
    """The key-derivation pool is full: the reporter should try again in a minute."""


class Purpose(enum.Enum):
    """What a derivation is for; logins have a share creation cannot take."""

    LOGIN = "login"
    NEW_CODENAME = "new_codename"
    KEY_PAIR = "key_pair"  # a first submission's reporter key pair


@dataclasses.dataclass(frozen=True)
class PoolSize:
    """How many derivations run at once, how many may wait, how many waits are logins'."""

    workers: int
    queue: int
    login_reserve: int


def available_memory_bytes(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """MemAvailable from the kernel, or None where it cannot be read."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def size_for_machine(
    kdf_memory_kib: int, *, cores: int | None = None, memory_bytes: int | None = None
) -> PoolSize:
    """Workers: one per core, but no more than a quarter of available memory allows.

    Invariant: ``workers * kdf_memory`` stays within a quarter of the memory
    available at start (gpg, uploads and the page cache need the rest); at
    least one worker. The queue holds two rounds of work, half of it for logins.
    """
    cores = cores or os.cpu_count() or 1
    memory_bytes = memory_bytes if memory_bytes is not None else available_memory_bytes()
    workers = cores
    if memory_bytes is not None:
        workers = min(workers, memory_bytes // 4 // (kdf_memory_kib * 1024))
    workers = max(1, workers)
    queue = 2 * workers
    return PoolSize(workers=workers, queue=queue, login_reserve=max(1, queue // 2))


class KdfPool:
    """Admission and scheduling of derivations; the work runs in the caller's thread.

    Invariant: at most ``size.workers`` derivations run at once and at most
    ``size.workers + size.queue`` requests are admitted; no caller waits longer
    than its purpose's wait before it runs or gets KdfBusy.
    """

    def __init__(
        self,
        size: PoolSize,
        *,
        max_wait_s: float = 0.9,
        login_max_wait_s: float = 3.0,
        key_pair_max_wait_s: float = 3.0,
        creations_per_minute: int = 240,
        key_pair_reserve: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.size = size
        self._max_wait = {
            Purpose.NEW_CODENAME: max_wait_s,
            Purpose.LOGIN: login_max_wait_s,
            Purpose.KEY_PAIR: key_pair_max_wait_s,
        }
        self._creations_per_minute = creations_per_minute
        self._clock = clock
        self._cond = threading.Condition()
        self._running = 0
        self._admitted = 0
        self._admitted_shared = 0  # admitted for anything but a login
        self._admitted_codenames = 0
        self._key_pair_reserve = key_pair_reserve
        self._waiting_key_pairs = 0
        self._waiting_logins = 0
        self._creations: collections.deque[float] = collections.deque()

    def run(self, purpose: Purpose, work: Callable[[], T]) -> T:
        """Run ``work`` in a slot of the pool, or raise KdfBusy."""
        with self._slot(purpose):
            return work()

    def _admit(self, purpose: Purpose) -> None:
        limit = self.size.workers + self.size.queue
        if purpose is Purpose.NEW_CODENAME:
            now = self._clock()
            while self._creations and self._creations[0] <= now - 60:
                self._creations.popleft()
            if len(self._creations) >= self._creations_per_minute:
                raise KdfBusy("codename creation is at its limit for this minute")
        shared_limit = limit - self.size.login_reserve
        if (
            purpose is Purpose.NEW_CODENAME
            and self._admitted_codenames >= shared_limit - self._key_pair_reserve
        ):
            raise KdfBusy("the pool's share for new codenames is full")
        if purpose is not Purpose.LOGIN and self._admitted_shared >= shared_limit:
            raise KdfBusy("the pool's share for new codenames and key pairs is full")
        if self._admitted >= limit:
            raise KdfBusy("the key-derivation pool is full")
        self._admitted += 1
        if purpose is not Purpose.LOGIN:
            self._admitted_shared += 1
        if purpose is Purpose.NEW_CODENAME:
            self._admitted_codenames += 1
            self._creations.append(self._clock())

    def _may_start(self, purpose: Purpose) -> bool:
        if self._running >= self.size.workers:
            return False
        # A freed worker goes to a waiting login first, then to a key pair.
        if purpose is Purpose.LOGIN:
            return True
        if purpose is Purpose.KEY_PAIR:
            return self._waiting_logins == 0
        return self._waiting_logins == 0 and self._waiting_key_pairs == 0

    def _leave(self, purpose: Purpose) -> None:
        self._admitted -= 1
        if purpose is not Purpose.LOGIN:
            self._admitted_shared -= 1
        if purpose is Purpose.NEW_CODENAME:
            self._admitted_codenames -= 1
        self._cond.notify_all()

    @contextlib.contextmanager
    def _slot(self, purpose: Purpose) -> Iterator[None]:
        with self._cond:
            self._admit(purpose)
            deadline = time.monotonic() + self._max_wait[purpose]
            if purpose is Purpose.LOGIN:
                self._waiting_logins += 1
            elif purpose is Purpose.KEY_PAIR:
                self._waiting_key_pairs += 1
            try:
                while not self._may_start(purpose):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or not self._cond.wait(remaining):
                        if self._may_start(purpose):
                            break
                        self._leave(purpose)
                        raise KdfBusy("waited too long for the key-derivation pool")
            finally:
                if purpose is Purpose.LOGIN:
                    self._waiting_logins -= 1
                    self._cond.notify_all()  # creations may start on a worker still free
                elif purpose is Purpose.KEY_PAIR:
                    self._waiting_key_pairs -= 1
                    self._cond.notify_all()
            self._running += 1
        try:
            yield
        finally:
            with self._cond:
                self._running -= 1
                self._leave(purpose)

    def load(self) -> tuple[int, int]:
        """(running, admitted) now: for benches and tests."""
        with self._cond:
            return self._running, self._admitted
