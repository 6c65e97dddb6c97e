"""journalist_ui: the confidants' Flask app (an authenticated onion service, no JavaScript)."""

from kring.journalist_ui.app import create_app

__all__ = ["create_app"]
