"""The ``kring`` group, its ``--instance`` option and the instance a command works on.

Each command group lives in a module of its own (kring.cli.instance, .people, .onion, .jobs)
and adds itself to ``main`` here; ``kring.cli`` imports them all.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

from kring.core.settings import DEFAULT_INSTANCE_DIR, Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from kring.core.context import CoreContext


@contextlib.contextmanager
def refused(*errors: type[Exception], message: str = "{exc}") -> Iterator[None]:
    """End the command with one line, ``Error: <message>``, when one of ``errors`` is raised.

    ``message`` may name ``{exc}`` (the error's text) and ``{kind}`` (its class name).
    Invariant: an expected refusal is never a traceback; any other error still is one.
    """
    try:
        yield
    except errors as exc:
        raise click.ClickException(message.format(exc=exc, kind=type(exc).__name__)) from exc


def settings_for(instance: str | None) -> Settings:
    """The instance's settings (``--instance`` over ``KRING_INSTANCE``); a bad file is a
    one-line error, never a traceback."""
    env = dict(os.environ)
    if instance:
        env["KRING_INSTANCE"] = instance
    with refused(SettingsError):
        return load_settings(env)


@contextlib.contextmanager
def instance_context(instance: str | None) -> Iterator[CoreContext]:
    """The instance's services for one command; its database connections closed after.

    Invariant: the engine is disposed however the command ends, so a command leaves no
    connection (and no SQLite lock) behind. The folder of throwaway gpg homes is made
    first, as a worker's start makes it (kring.crypto.ephemeral).
    """
    from kring.core.context import build_context
    from kring.crypto.ephemeral import prepare_ephemeral_parent
    from kring.crypto.errors import UnsafeEphemeralParent

    with refused(UnsafeEphemeralParent):
        prepare_ephemeral_parent()
    ctx = build_context(settings_for(instance))
    try:
        yield ctx
    finally:
        ctx.engine.dispose()


instance_option = click.option(
    "--instance",
    envvar="KRING_INSTANCE",
    default=DEFAULT_INSTANCE_DIR,
    show_default=True,
    help="Instance folder (settings, database, store).",
)


@click.group()
def main() -> None:
    """Kring: an anonymous workplace reporting drop."""
