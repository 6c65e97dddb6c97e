"""WSGI entry point: ``gunicorn kring.journalist_ui.wsgi:app`` (instance from KRING_INSTANCE)."""

from __future__ import annotations

import os

from kring.core.leftovers import sweep_soon
from kring.core.settings import load_settings
from kring.journalist_ui import create_app

app = create_app(load_settings(os.environ))
# A worker (re)start: what a killed worker left goes within seconds.
sweep_soon(app.extensions["kring"])
