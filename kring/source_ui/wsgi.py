"""WSGI entry point: ``gunicorn kring.source_ui.wsgi:app`` (instance from KRING_INSTANCE)."""

from __future__ import annotations

from kring.source_ui import create_app
from kring.web.wsgi import serve

app = serve(create_app)
