"""``kring onion``: the onion addresses and the confidants' Tor client keys."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

from kring.cli.base import instance_option, main, refused, settings_for

if TYPE_CHECKING:
    from kring.onion.layout import OnionLayout


@main.group()
def onion() -> None:
    """Onion services: confidants' Tor client keys for journalist_ui."""


@onion.group("client")
def onion_client() -> None:
    """Add, list and revoke confidants' client keys."""


@contextlib.contextmanager
def _onion_errors() -> Iterator[None]:
    """A refused key, an unreadable onion folder or one the file system will not let us
    change ends the command with its one-line reason (never a traceback)."""
    from kring.onion.errors import OnionError

    # A file where a folder should be, a full disk or tor's own permissions: the admin
    # needs the path and the system's reason, and the hint that tor's folders want root.
    cannot_change = (
        "cannot use the onion folders ({exc}); where Debian's tor owns them, run as root"
    )
    with refused(OnionError), refused(OSError, message=cannot_change):
        yield


def _onion_layout(instance: str) -> OnionLayout:
    from kring.onion.layout import OnionLayoutUnreadable
    from kring.web.onion_layout import onion_layout

    with refused(OnionLayoutUnreadable):
        return onion_layout(settings_for(instance))


@contextlib.contextmanager
def _changing_clients(instance: str) -> Iterator[OnionLayout]:
    """The layout for a command that changes the client keys; the app's published copy is
    rewritten after the change, and a refusal is the command's one-line reason."""
    layout = _onion_layout(instance)
    with _onion_errors():
        yield layout
        layout.write_published_copy()


@onion.command("status")
@instance_option
def onion_status(instance: str) -> None:
    """Print both addresses and the client keys' names; refresh the app's published copy.

    Run as root where Debian's tor owns the services (the kring Ansible role does): the
    app's user cannot read tor's folders and shows what this copies.
    """
    layout = _onion_layout(instance)
    with _onion_errors():
        copied = layout.write_published_copy()
        source, journalist = layout.address("source"), layout.address("journalist")
        names = layout.client_names()
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
    with _changing_clients(instance) as layout:
        handover = layout.registry().add(name)
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
    layout = _onion_layout(instance)
    with _onion_errors():
        layout.registry().forget_handover(name)
    click.echo(f"Removed the handover files of {name}.")


@onion_client.command("list")
@instance_option
def onion_client_list(instance: str) -> None:
    """List the confidants' client keys (public halves)."""
    with _onion_errors():
        keys = _onion_layout(instance).registry().list()
    for key in keys:
        click.echo(f"{key.name}\t{key.public_b32}")


@onion_client.command("revoke")
@instance_option
@click.argument("name")
def onion_client_revoke(instance: str, name: str) -> None:
    """Revoke a client key in the layout tor uses: after a reload it no longer connects."""
    with _changing_clients(instance) as layout:
        layout.registry().revoke(name)
    click.echo(f"Revoked {name}. {layout.after_change()}")
