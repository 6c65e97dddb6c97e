"""Every named refusal of a submission maps to the page and status it always had.

The table is the former ``except`` ladder of ``submit_post``, written out: a
change to the map that changes what a reporter sees fails here. The pages
themselves are driven end to end in test_bad_input.py.
"""

from __future__ import annotations

import pytest

from kring.core.errors import (
    EmptySubmission,
    InvalidChoice,
    InvalidFileName,
    MessageTooLong,
    NoRecipientAvailable,
    SubmissionFailed,
    UnknownRecipient,
)
from kring.source_ui.refusals import SUBMIT_REFUSALS, submit_refusal_page
from kring.source_ui.upload import BadCsrf, ClientGone, UploadError


@pytest.mark.parametrize(
    ("error", "page"),
    [
        (ClientGone("the body ended early"), ("interrupted", 400)),
        (BadCsrf(), ("csrf", 400)),
        (UploadError("this is not a form upload"), ("bad_upload", 400)),
        (UploadError("a form field is too long", 413), ("bad_upload", 413)),
        # The old ladder told CSRF apart by the message text; now only the class counts.
        (UploadError("csrf"), ("bad_upload", 400)),
        (EmptySubmission(), ("empty", 400)),
        (MessageTooLong(), ("message_too_long", 413)),
        (InvalidFileName(), ("bad_file_name", 400)),
        (UnknownRecipient(), ("bad_choice", 400)),
        (InvalidChoice(), ("bad_choice", 400)),
        (NoRecipientAvailable(), ("no_recipient", 503)),
        (SubmissionFailed(), ("not_sent", 503)),
    ],
)
def test_refusal_page_and_status(error: Exception, page: tuple[str, int]) -> None:
    assert isinstance(error, SUBMIT_REFUSALS)
    assert submit_refusal_page(error) == page
