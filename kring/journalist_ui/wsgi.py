"""WSGI entry point: ``gunicorn kring.journalist_ui.wsgi:app`` (instance from KRING_INSTANCE)."""

from __future__ import annotations

from kring.journalist_ui import create_app
from kring.web.wsgi import serve

app = serve(create_app)
