"""Activity notices for confidants that reveal nothing.

Invariant: a notice says only that there is new activity. It carries no
count, no designation, no time of activity and no content; it is sent at a
fixed moment chosen by the schedule (a timer runs ``kring notify`` daily or
hourly), never when a reporter acts, so its timing reveals nothing either.
Every notice has exactly the same body.
"""

from __future__ import annotations

import dataclasses
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage

NOTICE_SUBJECT = "Kring: new activity / nieuwe activiteit"
NOTICE_BODY = (
    "There is new activity in Kring. Log in to the confidants' site to see it.\n"
    "\n"
    "Er is nieuwe activiteit in Kring. Log in op de site voor vertrouwenspersonen om het te zien.\n"
)


class NotificationFailed(Exception):
    """The SMTP server could not be reached or refused the notices."""


@dataclasses.dataclass(frozen=True)
class SmtpSettings:
    """How to reach the mail server (from the instance settings)."""

    host: str
    port: int = 587
    sender: str = "kring@localhost"
    starttls: bool = True
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0


def compose_notice(recipient: str, sender: str) -> EmailMessage:
    """The one notice Kring sends: same subject and body for everyone, always."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = NOTICE_SUBJECT
    # No Date header of ours: the relay adds its own at the fixed send moment.
    message.set_content(NOTICE_BODY)
    return message


def send_notices(smtp: SmtpSettings, recipients: Sequence[str]) -> int:
    """Send the notice to each recipient over one SMTP connection; return how many."""
    if not recipients:
        return 0
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as client:
            if smtp.starttls:
                client.starttls(context=ssl.create_default_context())
            if smtp.username and smtp.password:
                client.login(smtp.username, smtp.password)
            for recipient in recipients:
                client.send_message(compose_notice(recipient, smtp.sender))
    except (OSError, smtplib.SMTPException) as exc:
        raise NotificationFailed(f"could not send notices: {exc}") from exc
    return len(recipients)
