"""``kring-demo``: the whole drop on this machine with a demo confidant (Ctrl-C stops it).

The README's first command (``scripts/demo.sh``) runs it. It lives in the development kit, so
no server ever has it: the production ``kring`` command has no demo.
"""

from __future__ import annotations

import contextlib
import signal
import time
from pathlib import Path

import click

from kring.onion.errors import OnionError
from kring_devkit.demo import describe, running_drop


@click.command()
@click.option("--instance", default="demo-instance", show_default=True)
@click.option("--port", default=8080, show_default=True, help="Loopback port of source_ui.")
@click.option(
    "--journalist-port", default=8081, show_default=True, help="Loopback port of journalist_ui."
)
@click.option(
    "--system-tor",
    is_flag=True,
    help="Publish through the system tor instead of a private Tor network.",
)
@click.option("--no-onion", is_flag=True, help="Serve on loopback only.")
def main(instance: str, port: int, journalist_port: int, system_tor: bool, no_onion: bool) -> None:
    """Run the whole drop on this machine with a demo confidant (Ctrl-C stops it)."""

    def _stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # `kill` (SIGTERM) stops everything as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, _stop)
    click.echo("Starting the drop (a private Tor network takes about 20 seconds)...")
    try:
        with running_drop(
            Path(instance),
            source_port=port,
            journalist_port=journalist_port,
            onion=not no_onion,
            system_tor=system_tor,
        ) as drop:
            click.echo(describe(drop))
            click.echo("\nRunning. Press Ctrl-C to stop everything.")
            with contextlib.suppress(KeyboardInterrupt):
                while True:
                    time.sleep(1)
    except OnionError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("Stopped.")
