"""The ``kring`` command: instance setup, confidants, onion client keys, daily jobs.

The demo drop is ``kring-demo``, in the development kit (kring_devkit.demo_cli).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kring.core.settings import DEFAULT_INSTANCE_DIR, SettingsError, load_settings

if TYPE_CHECKING:
    from kring.onion.layout import OnionLayout


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
@click.option("--language", type=click.Choice(["en", "nl", "es"]), default="en")
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
    from kring.core.accounts.confidants import add_confidant
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
    from kring.core.accounts.confidants import list_confidants
    from kring.core.context import build_context

    ctx = build_context(_settings(instance))
    try:
        for c in list_confidants(ctx):
            click.echo(f"{c.id}\t{c.display_name}\t{c.fingerprint or '(no key)'}")
    finally:
        ctx.engine.dispose()


@main.group()
def retention() -> None:
    """Delete conversations that are past their retention period."""


@retention.command("run")
@instance_option
def retention_run(instance: str) -> None:
    """Delete idle and long-closed conversations (run daily by a timer)."""
    from kring.core.cases.retention import run_retention
    from kring.core.context import build_context

    ctx = build_context(_settings(instance))
    try:
        result = run_retention(ctx)
    finally:
        ctx.engine.dispose()
    click.echo(
        f"Deleted {result.deleted_inactive} idle and {result.deleted_closed} closed conversations."
    )


@main.command()
@instance_option
def scrub(instance: str) -> None:
    """Give files changed since the last scrub fresh times (run hourly by a timer)."""
    from kring.core.storage.scrub import ScrubBusy, scrub_instance

    try:
        result = scrub_instance(_settings(instance))
    except ScrubBusy as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Scrubbed: {result.folders_rebuilt} folders rebuilt, {result.files_copied} files "
        f"copied, {result.folders_deferred} left for the next run (upload in progress), "
        f"{result.leftovers_removed} leftovers removed."
    )


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

    engine = make_engine(_settings(instance).database_url)
    try:
        written = seed_default_content(make_sessionmaker(engine), utc_today(), replace=replace)
    finally:
        engine.dispose()
    click.echo(f"Default content: {written} page(s) written.")


@main.group()
def onion() -> None:
    """Onion services: confidants' Tor client keys for journalist_ui."""


@onion.group("client")
def onion_client() -> None:
    """Add, list and revoke confidants' client keys."""


def _onion_layout(instance: str) -> OnionLayout:
    from kring.onion.layout import OnionLayoutUnreadable
    from kring.web.onion_layout import onion_layout

    try:
        return onion_layout(_settings(instance))
    except OnionLayoutUnreadable as exc:
        raise click.ClickException(str(exc)) from exc


@onion.command("status")
@instance_option
def onion_status(instance: str) -> None:
    """Print both addresses and the client keys' names; refresh the app's published copy.

    Run as root where Debian's tor owns the services (the kring Ansible role does): the
    app's user cannot read tor's folders and shows what this copies.
    """
    from kring.onion.errors import OnionError

    layout = _onion_layout(instance)
    try:
        copied = layout.write_published_copy()
        source, journalist = layout.address("source"), layout.address("journalist")
        names = layout.client_names()
    except OnionError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"layout:     {layout.kind} ({layout.source_dir}, {layout.journalist_dir})")
    click.echo(f"reporters:  {source or '(not published yet)'}")
    click.echo(f"confidants: {journalist or '(not published yet)'}")
    click.echo(f"client keys: {', '.join(names) or '(none)'}")
    if copied is not None:
        click.echo(f"published copy for the app: {copied}")


@onion_client.command("add")
@instance_option
@click.argument("name")
def onion_client_add(instance: str, name: str) -> None:
    """Create a client key; hand the .auth_private file or QR code to the confidant."""
    from kring.onion.errors import OnionError

    layout = _onion_layout(instance)
    try:
        handover = layout.registry().add(name)
        layout.write_published_copy()
    except OnionError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(handover.qr_text)
    click.echo(f"Tor Browser key file: {handover.auth_private_path}")
    click.echo(f"QR code image:        {handover.qr_image_path}")
    click.echo("Hand it to the confidant, then delete it: `kring onion client handed-over NAME`.")
    click.echo(layout.after_change())


@onion_client.command("handed-over")
@instance_option
@click.argument("name")
def onion_client_handed_over(instance: str, name: str) -> None:
    """Delete the server's copy of a client's private key once it was handed over."""
    _onion_layout(instance).registry().forget_handover(name)
    click.echo(f"Removed the handover files of {name}.")


@onion_client.command("list")
@instance_option
def onion_client_list(instance: str) -> None:
    """List the confidants' client keys (public halves)."""
    from kring.onion.errors import OnionError

    try:
        keys = _onion_layout(instance).registry().list()
    except OnionError as exc:
        raise click.ClickException(str(exc)) from exc
    for key in keys:
        click.echo(f"{key.name}\t{key.public_b32}")


@onion_client.command("revoke")
@instance_option
@click.argument("name")
def onion_client_revoke(instance: str, name: str) -> None:
    """Revoke a client key in the layout tor uses: after a reload it no longer connects."""
    from kring.onion.errors import OnionError

    layout = _onion_layout(instance)
    try:
        layout.registry().revoke(name)
        layout.write_published_copy()
    except OnionError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Revoked {name}. {layout.after_change()}")


@main.group()
def unit() -> None:
    """The coarse units reporters may name (for the statistics only)."""


@unit.command("add")
@instance_option
@click.argument("name")
def unit_add(instance: str, name: str) -> None:
    """Add a unit (1 to 80 characters, unique)."""
    from kring.core import units
    from kring.core.context import build_context

    ctx = build_context(_settings(instance))
    try:
        click.echo(f"Added {units.add_unit(ctx, name)}.")
    except (units.InvalidUnit, units.UnitExists) as exc:
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc
    finally:
        ctx.engine.dispose()


@unit.command("list")
@instance_option
def unit_list(instance: str) -> None:
    """Every unit, one a line."""
    from kring.core import units
    from kring.core.context import build_context

    ctx = build_context(_settings(instance))
    try:
        for name in units.list_units(ctx):
            click.echo(name)
    finally:
        ctx.engine.dispose()


@unit.command("delete")
@instance_option
@click.argument("name")
def unit_delete(instance: str, name: str) -> None:
    """Delete a unit (conversations that named it keep the name)."""
    from kring.core import units
    from kring.core.context import build_context

    ctx = build_context(_settings(instance))
    try:
        units.delete_unit(ctx, name)
    except units.UnitNotFound as exc:
        raise click.ClickException(f"no unit {exc}") from exc
    finally:
        ctx.engine.dispose()
    click.echo(f"Deleted {name}.")


@main.command()
@instance_option
def notify(instance: str) -> None:
    """Send the activity notice to opted-in confidants with something new (daily, on a timer)."""
    from kring.core.cases.notifications import (
        NotificationFailed,
        notices_sent_today,
        run_notices,
        smtp_from_settings,
    )
    from kring.core.context import build_context

    ctx = build_context(_settings(instance))
    try:
        smtp = smtp_from_settings(ctx)
        if smtp is None:
            click.echo("Notices are off: no smtp_host in the instance settings.")
            return
        if notices_sent_today(ctx):
            click.echo("Today's notices were sent already: they go once a day.")
            return
        try:
            sent = run_notices(ctx, smtp)
        except NotificationFailed as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Sent {sent} notice(s).")
    finally:
        ctx.engine.dispose()


@main.group()
def admin() -> None:
    """journalist_ui accounts from the command line (the first admin)."""


@admin.command("create")
@instance_option
@click.option("--username", required=True, help="Login name (lower case, digits, . _ -).")
@click.option("--name", "display_name", default=None, help="Display name (default: username).")
@click.option("--confirm-later", is_flag=True, hidden=True, help="Accepted; has no effect.")
def admin_create(
    instance: str, username: str, display_name: str | None, confirm_later: bool
) -> None:
    """Create an admin account: prints a one-time password, only for choosing one's own.

    Whoever runs this (IT, as root) sees that password; it only lets its
    holder choose their own at the first web login and then enrol their
    authenticator app there, so the TOTP secret is never shown here.
    """
    from kring.core.accounts import admin as accounts_admin
    from kring.core.accounts import records
    from kring.core.context import build_context

    del confirm_later  # two-factor enrolment always happens in journalist_ui now
    ctx = build_context(_settings(instance))
    try:
        try:
            made = accounts_admin.create_account(
                ctx,
                username=username,
                display_name=display_name or username,
                role=records.Role.ADMIN,
                actor="cli",
            )
        except (accounts_admin.InvalidUsername, accounts_admin.UsernameTaken, ValueError) as exc:
            raise click.ClickException(f"account refused: {type(exc).__name__}: {exc}") from exc
        click.echo(f"Admin {made.username} created.")
        click.echo(f"One-time password (shown once, hand it to {made.username}): {made.password}")
        click.echo(
            "At the first login in journalist_ui it only lets them choose their own password;\n"
            "then they scan a new two-factor key into their authenticator app there."
        )
    finally:
        ctx.engine.dispose()


if __name__ == "__main__":
    main()
