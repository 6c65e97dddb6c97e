"""The first submission's key pair, made in a thread while the reporter's files arrive.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from kring.crypto.keys import GeneratedKeyPair


class _KeyPairInBackground:
    """The draft's key-pair maker in a thread (it only waits on gpg, so the GIL is free).

    Invariant: the same function as in the foreground (through the pool), so the
    same guarantees: the unprotected secret exists only in gpg's tmpfs home; what
    comes back is locked with the codename's passphrase and stays in memory; a
    full pool's KdfBusy reaches the request thread in result().
    """

    def __init__(self, make: Callable[[], GeneratedKeyPair]) -> None:
        self._keys: GeneratedKeyPair | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(make,), daemon=True)
        self._thread.start()

    def _run(self, make: Callable[[], GeneratedKeyPair]) -> None:
        try:
            self._keys = make()
        except BaseException as exc:  # handed to the request thread in result()
            self._error = exc

    def wait(self) -> None:
        """Block until the key pair is made (or failed)."""
        self._thread.join()

    def result(self) -> GeneratedKeyPair:
        """The key pair, or the exception generating it raised."""
        self.wait()
        if self._error is not None:
            raise self._error
        assert self._keys is not None  # noqa: S101 - set when no error
        return self._keys
