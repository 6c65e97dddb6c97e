"""The ``kring`` command: instance setup, confidants, and the demo drop."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from kring.core.settings import DEFAULT_INSTANCE_DIR, SettingsError, load_settings


def _settings(instance: str | None):  # type: ignore[no-untyped-def]
    env = dict(os.environ)
    if instance:
        env["KRING_INSTANCE"] = instance
    try:
        return load_settings(env)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


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


@main.command()
@click.argument("instance_dir", default=DEFAULT_INSTANCE_DIR)
@click.option(
    "--organisation", default="Our organisation", help="Organisation name shown to reporters."
)
@click.option("--language", type=click.Choice(["en", "nl"]), default="en")
@click.option(
    "--database-url", default=None, help="SQLAlchemy URL (default: SQLite in the instance)."
)
def init(instance_dir: str, organisation: str, language: str, database_url: str | None) -> None:
    """Create a new instance with freshly generated secrets."""
    from kring.core.instance import InstanceExists, init_instance

    try:
        settings = init_instance(
            Path(instance_dir),
            organisation_name=organisation,
            default_language=language,
            database_url=database_url,
        )
    except InstanceExists as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Instance created in {settings.instance_dir}")


@main.command("db-upgrade")
@instance_option
def db_upgrade(instance: str) -> None:
    """Apply database migrations (safe to run again)."""
    from kring.core.db import upgrade_database

    upgrade_database(_settings(instance).database_url)
    click.echo("Database is up to date.")


@main.group()
def confidant() -> None:
    """Manage confidants (until journalist_ui does it)."""


@confidant.command("add")
@instance_option
@click.option("--name", required=True, help="Display name shown to reporters.")
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Armored OpenPGP public key file.",
)
def confidant_add(instance: str, name: str, key_file: str) -> None:
    """Add a confidant with their OpenPGP public key."""
    from kring.core.confidants import add_confidant
    from kring.core.context import build_context
    from kring.crypto.errors import InvalidPublicKey

    ctx = build_context(_settings(instance))
    try:
        added = add_confidant(ctx, display_name=name, public_key=Path(key_file).read_text())
    except (InvalidPublicKey, ValueError) as exc:
        raise click.ClickException(f"key refused: {exc}") from exc
    finally:
        ctx.engine.dispose()
    click.echo(f"Added confidant {added.display_name} (key {added.fingerprint}).")


@confidant.command("list")
@instance_option
def confidant_list(instance: str) -> None:
    """List confidants and their key fingerprints."""
    from kring.core.confidants import list_confidants
    from kring.core.context import build_context

    ctx = build_context(_settings(instance))
    try:
        for c in list_confidants(ctx):
            click.echo(f"{c.id}\t{c.display_name}\t{c.fingerprint or '(no key)'}")
    finally:
        ctx.engine.dispose()


@main.command()
@click.option("--instance", default="demo-instance", show_default=True)
@click.option("--port", default=8080, show_default=True, help="Loopback port of source_ui.")
def demo(instance: str, port: int) -> None:
    """Run the whole drop on this machine with a demo confidant (Ctrl-C stops it)."""
    from kring.demo import run_demo

    sys.exit(run_demo(Path(instance), source_port=port))


if __name__ == "__main__":
    main()
