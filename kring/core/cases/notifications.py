"""Activity notices for confidants that reveal nothing.

Invariant: a notice says only that there is new activity. It carries no
count, no designation, no time of activity and no content; it is sent once a
day at a fixed moment chosen by the schedule (a timer runs ``kring notify``
daily), never when a reporter acts, so its timing reveals nothing either. A
second run on the same day sends nothing, whatever arrived since: an hourly
timer would tell the mail server (often the employer's) within which hour
something arrived. Every notice has exactly the same body.
"""

from __future__ import annotations

import dataclasses
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage

from sqlalchemy import func, select, update

from kring.core.context import CoreContext
from kring.core.models import Confidant, InstanceSetting, Item, ItemRecipient, ReadMark

# The day (ISO date) of the last run that sent, or found nothing to send.
NOTICE_DAY_SETTING = "notices_sent_on"

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


def smtp_from_settings(ctx: CoreContext) -> SmtpSettings | None:
    """The SMTP settings of the instance, or None when notices are off (no host)."""
    settings = ctx.settings
    if not settings.smtp_host:
        return None
    return SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_sender,
        starttls=settings.smtp_starttls,
        username=settings.smtp_username or None,
        password=settings.smtp_password or None,
    )


def due_notices(ctx: CoreContext, *, up_to: int | None = None) -> list[tuple[int, str]]:
    """Opted-in, active confidants with an address who have something new to see.

    "New" means an item addressed to them (an ItemRecipient row) with an id
    above their ``notified_up_to`` (and at most ``up_to`` if given) that they
    have not marked read. One query; returns (confidant id, e-mail) pairs.
    """
    stmt = (
        select(Confidant.id, Confidant.email)
        .join(ItemRecipient, ItemRecipient.confidant_id == Confidant.id)
        .join(Item, Item.id == ItemRecipient.item_id)
        .outerjoin(
            ReadMark,
            (ReadMark.confidant_id == Confidant.id) & (ReadMark.item_id == Item.id),
        )
        .where(
            Confidant.notify.is_(True),
            Confidant.is_active.is_(True),
            Confidant.email.is_not(None),
            Confidant.email != "",
            Item.id > Confidant.notified_up_to,
            ReadMark.item_id.is_(None),
        )
        .group_by(Confidant.id, Confidant.email)
        .order_by(Confidant.id)
    )
    if up_to is not None:
        stmt = stmt.where(Item.id <= up_to)
    with ctx.sessions() as db:
        return [(confidant_id, str(email)) for confidant_id, email in db.execute(stmt)]


def due_account_notices(ctx: CoreContext) -> list[tuple[int, str]]:
    """Opted-in, active holders with an address whose account changed.

    A key change or an admin's reset sets ``notice_mail_due``; they get the
    same content-free notice as for activity (one per run at most).
    """
    stmt = (
        select(Confidant.id, Confidant.email)
        .where(
            Confidant.notice_mail_due.is_(True),
            Confidant.notify.is_(True),
            Confidant.is_active.is_(True),
            Confidant.email.is_not(None),
            Confidant.email != "",
        )
        .order_by(Confidant.id)
    )
    with ctx.sessions() as db:
        return [(confidant_id, str(email)) for confidant_id, email in db.execute(stmt)]


def notices_sent_today(ctx: CoreContext) -> bool:
    """Whether today's run has already happened (notices go once a day)."""
    with ctx.sessions() as db:
        row = db.get(InstanceSetting, NOTICE_DAY_SETTING)
    return row is not None and row.value == ctx.today().isoformat()


def _mark_sent(ctx: CoreContext, sent: list[tuple[int, str]], **values: object) -> None:
    """After the SMTP server accepted them: set ``values`` on the confidants just notified."""
    if not sent:
        return
    with ctx.sessions.begin() as db:
        db.execute(
            update(Confidant)
            .where(Confidant.id.in_([confidant_id for confidant_id, _ in sent]))
            .values(**values)
        )


def run_notices(ctx: CoreContext, smtp: SmtpSettings) -> int:
    """Send the notice to everyone due, then move their mark to the newest item.

    Once a day: a run on a day that already had one sends nothing (and returns
    0). The mark and the day move only after the SMTP server accepted the
    notices, so a failed run is repeated next time. Holders whose account
    changed are in the same run, with the same body, once.
    """
    if notices_sent_today(ctx):
        return 0
    with ctx.sessions() as db:
        newest = db.scalar(select(func.max(Item.id))) or 0
    due = due_notices(ctx, up_to=newest)
    account_due = due_account_notices(ctx)
    recipients = dict(due) | dict(account_due)
    sent = send_notices(smtp, list(recipients.values()))
    _mark_sent(ctx, due, notified_up_to=newest)
    _mark_sent(ctx, account_due, notice_mail_due=False)
    with ctx.sessions.begin() as db:
        row = db.get(InstanceSetting, NOTICE_DAY_SETTING)
        if row is None:
            db.add(InstanceSetting(name=NOTICE_DAY_SETTING, value=ctx.today().isoformat()))
        else:
            row.value = ctx.today().isoformat()
    return sent


def set_notice_preferences(
    ctx: CoreContext, confidant_id: int, *, email: str, notify: bool
) -> None:
    """Store a confidant's address and opt-in (an empty address turns notices off)."""
    address = email.strip()
    if address and (len(address) > 200 or "@" not in address or any(c.isspace() for c in address)):
        raise InvalidEmail(address)
    with ctx.sessions.begin() as db:
        account = db.get(Confidant, confidant_id)
        if account is None:
            raise InvalidEmail("no such account")
        was_on = account.notify
        account.email = address or None
        account.notify = bool(address) and notify
        if account.notify and not was_on:
            # Only activity from now on: no notice for what was already there.
            account.notified_up_to = max(
                account.notified_up_to, db.scalar(select(func.max(Item.id))) or 0
            )


class InvalidEmail(ValueError):
    """An e-mail address for notices must contain @ and no spaces (at most 200 characters)."""
