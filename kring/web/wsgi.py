"""What both apps' WSGI entry points do: build the app from the environment, sweep leftovers."""

from __future__ import annotations

import os
from collections.abc import Callable

from flask import Flask

from kring.core.settings import Settings, load_settings
from kring.core.storage.leftovers import sweep_soon
from kring.crypto.ephemeral import prepare_ephemeral_parent
from kring.web.context import core


def serve(create_app: Callable[[Settings], Flask]) -> Flask:
    """The app for the instance named by ``KRING_INSTANCE``, as gunicorn loads it.

    A worker (re)start: what a killed worker left goes within seconds. The
    folder of throwaway gpg homes is made now, at start-up, so its creation does
    not date a reporter's first key operation. The core context is read inside an
    app context, the way views read it.
    """
    prepare_ephemeral_parent()
    app = create_app(load_settings(os.environ))
    with app.app_context():
        sweep_soon(core())
    return app
