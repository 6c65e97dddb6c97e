"""Per-app state of journalist_ui: the clock and the login-failure throttle."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

from flask import current_app

from kring.core.context import CoreContext
from kring.core.throttle import FailureThrottle


@dataclasses.dataclass
class JournalistState:
    """What the views share besides the core context; built once by the factory.

    ``clock`` (Unix seconds) drives TOTP, the failure throttle and session
    expiry, so tests can move time for all three at once.
    """

    ctx: CoreContext
    clock: Callable[[], float] = time.time
    failures: FailureThrottle = dataclasses.field(init=False)

    def now(self) -> float:
        """The current time for TOTP checks."""
        return self.clock()


def state() -> JournalistState:
    """The running app's state."""
    found: JournalistState = current_app.extensions["kring_journalist"]
    return found
