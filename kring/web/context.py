"""The running app's core context: put there once by the factory, read by every view.

Both apps keep the one ``CoreContext`` they were built with under the same
extension key, so views, blueprints and helpers of either app reach the
database, the store and the settings through :func:`core` alone.
"""

from __future__ import annotations

from flask import Flask, current_app

from kring.core.context import CoreContext

EXTENSION = "kring"


def install_core(app: Flask, ctx: CoreContext) -> None:
    """Make ``ctx`` the context every request of ``app`` uses."""
    app.extensions[EXTENSION] = ctx


def core() -> CoreContext:
    """The core context of the app handling this request."""
    ctx: CoreContext = current_app.extensions[EXTENSION]
    return ctx
