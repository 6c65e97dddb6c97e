"""``kring confidant``, ``kring admin``, ``kring unit``: people and the units they may name."""

from __future__ import annotations

from pathlib import Path

import click

from kring.cli.base import instance_context, instance_option, main, refused


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
    from kring.crypto.errors import InvalidPublicKey

    with (
        instance_context(instance) as ctx,
        refused(InvalidPublicKey, ValueError, message="key refused: {exc}"),
    ):
        added = add_confidant(ctx, display_name=name, public_key=Path(key_file).read_text())
    click.echo(f"Added confidant {added.display_name} (key {added.fingerprint}).")


@confidant.command("list")
@instance_option
def confidant_list(instance: str) -> None:
    """List confidants and their key fingerprints."""
    from kring.core.accounts.confidants import list_confidants

    with instance_context(instance) as ctx:
        for c in list_confidants(ctx):
            click.echo(f"{c.id}\t{c.display_name}\t{c.fingerprint or '(no key)'}")


@main.group()
def unit() -> None:
    """The coarse units reporters may name (for the statistics only)."""


@unit.command("add")
@instance_option
@click.argument("name")
def unit_add(instance: str, name: str) -> None:
    """Add a unit (1 to 80 characters, unique)."""
    from kring.core import units

    with (
        instance_context(instance) as ctx,
        refused(units.InvalidUnit, units.UnitExists, message="{kind}: {exc}"),
    ):
        click.echo(f"Added {units.add_unit(ctx, name)}.")


@unit.command("list")
@instance_option
def unit_list(instance: str) -> None:
    """Every unit, one a line."""
    from kring.core import units

    with instance_context(instance) as ctx:
        for name in units.list_units(ctx):
            click.echo(name)


@unit.command("delete")
@instance_option
@click.argument("name")
def unit_delete(instance: str, name: str) -> None:
    """Delete a unit (conversations that named it keep the name)."""
    from kring.core import units

    with instance_context(instance) as ctx, refused(units.UnitNotFound, message="no unit {exc}"):
        units.delete_unit(ctx, name)
    click.echo(f"Deleted {name}.")


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

    del confirm_later  # two-factor enrolment always happens in journalist_ui now
    refusals = (accounts_admin.InvalidUsername, accounts_admin.UsernameTaken, ValueError)
    with instance_context(instance) as ctx:
        with refused(*refusals, message="account refused: {kind}: {exc}"):
            made = accounts_admin.create_account(
                ctx,
                username=username,
                display_name=display_name or username,
                role=records.Role.ADMIN,
                actor="cli",
            )
        click.echo(f"Admin {made.username} created.")
        click.echo(f"One-time password (shown once, hand it to {made.username}): {made.password}")
        click.echo(
            "At the first login in journalist_ui it only lets them choose their own password;\n"
            "then they scan a new two-factor key into their authenticator app there."
        )
