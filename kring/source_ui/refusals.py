"""The reporters' refusals, named: each domain error -> the status and what the page says.

Views look an exception up here (along its classes, so a subclass wins) and render; the
texts live in one place, so the login page, the form and the error page say the same thing
for the same cause.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from flask_babel import gettext as _
from flask_babel import ngettext

from kring.core.codenames.kdf_pool import KdfBusy
from kring.core.codenames.phrases import MalformedCodename
from kring.core.errors import (
    EmptySubmission,
    InvalidChoice,
    InvalidFileName,
    MessageTooLong,
    NoRecipientAvailable,
    SubmissionFailed,
    UnknownCodename,
    UnknownRecipient,
)
from kring.core.throttle import LoginThrottled
from kring.source_ui.upload import BadCsrf, ClientGone, UploadError
from kring.web.refusals import by_class

# A busy answer (key-derivation pool full) asks the browser to come back in a minute.
BUSY_HEADERS = {"Retry-After": "60"}


# Named refusals of a login -> (status, what the login page says); what was
# typed is kept in every case. Busy also asks the browser to come back later.
LOGIN_ERRORS: dict[type[Exception], tuple[int, Callable[[Exception], str]]] = {
    MalformedCodename: (400, lambda exc: codename_problem(cast(MalformedCodename, exc))),
    UnknownCodename: (
        403,
        lambda _exc: _(
            "We found no conversation for this codename. A codename becomes active "
            "only when its first message is sent: if you never sent one, get a new codename."
        ),
    ),
    KdfBusy: (
        503,
        lambda _exc: _(
            "The server is busy right now. Wait a minute and try again: what you typed is kept."
        ),
    ),
    LoginThrottled: (429, lambda _exc: _("Too many attempts. Wait a minute and try again.")),
}
LOGIN_REFUSALS = tuple(LOGIN_ERRORS)


def login_refusal(exc: Exception) -> tuple[int, str]:
    """The status and the message of a refused login (see the map above)."""
    status, message = by_class(LOGIN_ERRORS, exc)
    return status, message(exc)


def codename_problem(exc: MalformedCodename) -> str:
    """Say what is wrong with a typed codename: which word, or how many words."""
    if exc.unknown_positions:
        positions = ", ".join(str(p) for p in exc.unknown_positions)
        return ngettext(
            "Word %(positions)s is not a codename word. Check its spelling.",
            "Words %(positions)s are not codename words. Check their spelling.",
            len(exc.unknown_positions),
            positions=positions,
        )
    if exc.word_count == 0:
        return _("Type your codename: seven words.")
    if 0 < exc.word_count < 100:
        return ngettext(
            "A codename is seven words; you typed %(num)s word.",
            "A codename is seven words; you typed %(num)s words.",
            exc.word_count,
        )
    return _("That is not a codename: a codename is seven words.")


# Named refusals of a submission -> (error page kind, status); ``None`` takes
# the status the upload parser chose (400 or 413). Looked up along the
# exception's classes, so a subclass (ClientGone, BadCsrf) wins over UploadError.
# TooLarge and TooSlow are answered before this map: they salvage the text or
# show their own page.
SUBMIT_ERROR_PAGES: dict[type[Exception], tuple[str, int | None]] = {
    ClientGone: ("interrupted", 400),
    BadCsrf: ("csrf", 400),
    UploadError: ("bad_upload", None),
    EmptySubmission: ("empty", 400),
    MessageTooLong: ("message_too_long", 413),
    InvalidFileName: ("bad_file_name", 400),
    UnknownRecipient: ("bad_choice", 400),
    InvalidChoice: ("bad_choice", 400),
    NoRecipientAvailable: ("no_recipient", 503),
    SubmissionFailed: ("not_sent", 503),
    # The first submission's key pair found the key-derivation pool full.
    KdfBusy: ("busy", 503),
}
SUBMIT_REFUSALS = tuple(SUBMIT_ERROR_PAGES)


def submit_refusal_page(exc: Exception) -> tuple[str, int]:
    """The error page kind and status for a refused submission (see the map above)."""
    kind, status = by_class(SUBMIT_ERROR_PAGES, exc)
    if status is None:
        status = exc.status if isinstance(exc, UploadError) else 400
    return kind, status
