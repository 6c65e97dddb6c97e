"""source_ui under real gunicorn on a fresh instance with one confidant: shared by the tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path

from kring.core.accounts.confidants import add_confidant
from kring.core.context import build_context
from kring.core.instance import init_instance
from kring_devkit.servers import RunningServer, run_gunicorn


@contextlib.contextmanager
def source_server(
    tmp_path: Path, public_key: str, env: Mapping[str, str] | None = None
) -> Iterator[RunningServer]:
    """source_ui under gunicorn on ``tmp_path/instance``, with a confidant of ``public_key``."""
    instance = tmp_path / "instance"
    settings = init_instance(instance, organisation_name="Gunicorn test")
    ctx = build_context(settings)
    add_confidant(ctx, display_name="Anna", public_key=public_key)
    ctx.engine.dispose()
    with run_gunicorn(
        "kring.source_ui.wsgi:app", instance, log_path=tmp_path / "gunicorn.log", env=env
    ) as running:
        yield running
