"""``kring init``, ``kring db-upgrade``, ``kring content seed``: setting an instance up."""

from __future__ import annotations

from pathlib import Path

import click

from kring.cli.base import instance_option, main, refused, settings_for
from kring.core.settings import DEFAULT_INSTANCE_DIR


@main.command()
@click.argument("instance_dir", default=DEFAULT_INSTANCE_DIR)
@click.option(
    "--organisation", default="Our organisation", help="Organisation name shown to reporters."
)
@click.option("--language", type=click.Choice(["en", "nl", "es"]), default="en")
@click.option(
    "--database-url", default=None, help="SQLAlchemy URL (default: SQLite in the instance)."
)
def init(instance_dir: str, organisation: str, language: str, database_url: str | None) -> None:
    """Create a new instance with freshly generated secrets."""
    from kring.core.instance import InstanceExists, init_instance

    with refused(InstanceExists):
        settings = init_instance(
            Path(instance_dir),
            organisation_name=organisation,
            default_language=language,
            database_url=database_url,
        )
    click.echo(f"Instance created in {settings.instance_dir}")


@main.command("db-upgrade")
@instance_option
def db_upgrade(instance: str) -> None:
    """Apply database migrations (safe to run again)."""
    from kring.core.db import upgrade_database

    upgrade_database(settings_for(instance).database_url)
    click.echo("Database is up to date.")


@main.group()
def content() -> None:
    """Information pages: position, code of conduct, topics, confidant profiles."""


@content.command("seed")
@instance_option
@click.option(
    "--replace",
    is_flag=True,
    help="Overwrite pages with the shipped text (the code of conduct history is never rewritten).",
)
def content_seed(instance: str, replace: bool) -> None:
    """Add the default information pages (English, Dutch and Spanish) that are missing."""
    from kring.core.content.seeding import seed_default_content
    from kring.core.context import utc_today
    from kring.core.db import make_engine, make_sessionmaker

    engine = make_engine(settings_for(instance).database_url)
    try:
        written = seed_default_content(make_sessionmaker(engine), utc_today(), replace=replace)
    finally:
        engine.dispose()
    click.echo(f"Default content: {written} page(s) written.")
