"""Activity notices go through a real (local) SMTP server and say nothing else."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from kring.core.notifications import (
    NOTICE_BODY,
    NotificationFailed,
    SmtpSettings,
    send_notices,
)
from kring.devtools.servers import free_port


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
