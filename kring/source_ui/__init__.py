"""source_ui: the reporters' Flask app (served as a Tor onion service, no JavaScript)."""

from kring.source_ui.app import create_app

__all__ = ["create_app"]
