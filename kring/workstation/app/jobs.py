"""Long work (key creation, opening, cleaning) off the window's thread, cancellable.

The window stays responsive and repaints the progress bar while gpg works;
results and failures come back as Qt signals, which Qt delivers on the
window's thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QThread, Signal

Progress = Callable[[int, int], None]
Work = Callable[[Progress, Callable[[], bool]], object]


class Job(QThread):
    """Runs ``work(progress, cancelled)`` in a thread.

    Emits ``progressed(done, total)`` as the work reports it, then exactly one
    of ``succeeded(result)``, ``failed(exception)`` or ``was_cancelled()``,
    then QThread's ``finished()``; the keyword arguments of the same names
    are connected to them before the job can start, so no signal is missed.
    Invariant: after ``cancel()`` the work sees ``cancelled()`` return True
    at its next check, and ``wait()`` returns only once it has stopped and
    cleaned up (the open hook removes what it wrote).
    """

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)
    was_cancelled = Signal()

    def __init__(
        self,
        work: Work,
        cancel_type: type[BaseException] | None = None,
        *,
        progressed: Callable[[int, int], object] | None = None,
        succeeded: Callable[[Any], object] | None = None,
        failed: Callable[[BaseException], object] | None = None,
        was_cancelled: Callable[[], object] | None = None,
        finished: Callable[[], object] | None = None,
    ) -> None:
        super().__init__()
        self._work = work
        self._cancel = threading.Event()
        self._cancel_type = cancel_type
        for signal, slot in (
            (self.progressed, progressed),
            (self.succeeded, succeeded),
            (self.failed, failed),
            (self.was_cancelled, was_cancelled),
            (self.finished, finished),
        ):
            if slot is not None:
                signal.connect(slot)

    def cancel(self) -> None:
        """Ask the work to stop at its next check."""
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        """True once cancel() was called."""
        return self._cancel.is_set()

    def run(self) -> None:  # noqa: D102 - QThread entry point
        try:
            result = self._work(self.progressed.emit, self._cancel.is_set)
        except BaseException as exc:  # noqa: BLE001 - everything is reported to the window
            if self._cancel_type is not None and isinstance(exc, self._cancel_type):
                self.was_cancelled.emit()
            else:
                self.failed.emit(exc)
            return
        self.succeeded.emit(result)
