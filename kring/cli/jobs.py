"""``kring retention run``, ``kring scrub``, ``kring notify``: the jobs the timers run."""

from __future__ import annotations

import click

from kring.cli.base import instance_context, instance_option, main, refused, settings_for


@main.group()
def retention() -> None:
    """Delete conversations that are past their retention period."""


@retention.command("run")
@instance_option
def retention_run(instance: str) -> None:
    """Delete idle and long-closed conversations (run daily by a timer)."""
    from kring.core.cases.retention import run_retention

    with instance_context(instance) as ctx:
        result = run_retention(ctx)
    click.echo(
        f"Deleted {result.deleted_inactive} idle and {result.deleted_closed} closed conversations."
    )


@main.command()
@instance_option
def scrub(instance: str) -> None:
    """Give files changed since the last scrub fresh times (run hourly by a timer)."""
    from kring.core.storage.scrub import ScrubBusy, scrub_instance

    with refused(ScrubBusy):
        result = scrub_instance(settings_for(instance))
    click.echo(
        f"Scrubbed: {result.folders_rebuilt} folders rebuilt, {result.files_copied} files "
        f"copied, {result.folders_deferred} left for the next run (upload in progress), "
        f"{result.leftovers_removed} leftovers removed."
    )


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

    with instance_context(instance) as ctx:
        smtp = smtp_from_settings(ctx)
        if smtp is None:
            click.echo("Notices are off: no smtp_host in the instance settings.")
            return
        if notices_sent_today(ctx):
            click.echo("Today's notices were sent already: they go once a day.")
            return
        with refused(NotificationFailed):
            sent = run_notices(ctx, smtp)
        click.echo(f"Sent {sent} notice(s).")
