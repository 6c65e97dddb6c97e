"""Activity notices go through a real (local) SMTP server and say nothing else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from kring.core.cases.notifications import (
    NOTICE_BODY,
    NotificationFailed,
    SmtpSettings,
    send_notices,
)
from kring_devkit.servers import free_port


class Inbox:
    """aiosmtpd handler keeping what it received."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_notices_say_only_that_there_is_activity(smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    smtp = SmtpSettings(host="127.0.0.1", port=port, starttls=False, sender="kring@example.org")
    assert send_notices(smtp, ["anna@example.org", "bart@example.org"]) == 2
    assert [m["To"] for m in inbox.messages] == ["anna@example.org", "bart@example.org"]
    bodies = {m.get_payload(decode=True).decode().replace("\r\n", "\n") for m in inbox.messages}
    assert bodies == {NOTICE_BODY}
    subjects = {m["Subject"] for m in inbox.messages}
    assert len(subjects) == 1
    for message in inbox.messages:
        assert message["Date"] is None  # no time of ours in the message


def test_no_recipients_sends_nothing(smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    assert send_notices(SmtpSettings(host="127.0.0.1", port=port, starttls=False), []) == 0
    assert inbox.messages == []


def test_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(NotificationFailed):
        send_notices(
            SmtpSettings(host="127.0.0.1", port=free_port(), starttls=False, timeout=2),
            ["a@example.org"],
        )


def test_kring_notify_sends_one_notice_to_the_opted_in_confidant(
    smtp_server: tuple[Inbox, int], tmp_path: Any, confidant_key: Any, other_confidant_key: Any
) -> None:
    """A submission -> `kring notify` -> one mail to the opted-in confidant; again -> none."""
    import dataclasses

    from click.testing import CliRunner

    from kring.cli import main
    from kring.core.accounts.confidants import add_confidant
    from kring.core.cases import notifications
    from kring.core.context import build_context
    from kring.core.instance import init_instance
    from tests.conftest import CHEAP_KDF
    from tests.journalist_ui.conftest import write_report

    inbox, port = smtp_server
    folder = tmp_path / "instance"
    init_instance(folder, organisation_name="Notices")
    runner = CliRunner()
    off = runner.invoke(main, ["notify", "--instance", str(folder)])
    assert off.exit_code == 0 and "Notices are off" in off.output
    toml = folder / "kring.toml"  # top-level keys go before the [kdf] table
    toml.write_text(
        f'smtp_host = "127.0.0.1"\nsmtp_port = {port}\nsmtp_starttls = false\n'
        'smtp_sender = "kring@example.org"\n' + toml.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    from kring.core.settings import load_settings

    ctx = build_context(
        dataclasses.replace(load_settings({"KRING_INSTANCE": str(folder)}), kdf=CHEAP_KDF)
    )
    try:
        anna = add_confidant(ctx, display_name="Anna", public_key=confidant_key.public_key).id
        bart = add_confidant(ctx, display_name="Bart", public_key=other_confidant_key.public_key).id
        notifications.set_notice_preferences(ctx, anna, email="anna@example.org", notify=True)
        notifications.set_notice_preferences(ctx, bart, email="bart@example.org", notify=False)
        assert notifications.due_notices(ctx) == []
        write_report(ctx, "one two three four five six seven", message="something happened")
        assert notifications.due_notices(ctx) == [(anna, "anna@example.org")]
        first = runner.invoke(main, ["notify", "--instance", str(folder)])
        assert first.exit_code == 0, first.output
        assert "Sent 1 notice(s)." in first.output
        assert [m["To"] for m in inbox.messages] == ["anna@example.org"]
        assert inbox.messages[0].get_payload(decode=True).decode().replace("\r\n", "\n") == (
            NOTICE_BODY
        )
        # Something new the same day: no second notice until tomorrow's run.
        write_report(ctx, "one two three four five six seven", message="and more, an hour later")
        second = runner.invoke(main, ["notify", "--instance", str(folder)])
        assert second.exit_code == 0 and "once a day" in second.output
        assert notifications.run_notices(ctx, notifications.smtp_from_settings(ctx)) == 0  # type: ignore[arg-type]
        assert len(inbox.messages) == 1
        tomorrow = ctx.today() + dt.timedelta(days=1)
        ctx.today = lambda: tomorrow
        assert notifications.run_notices(ctx, notifications.smtp_from_settings(ctx)) == 1  # type: ignore[arg-type]
        assert len(inbox.messages) == 2
    finally:
        ctx.engine.dispose()
