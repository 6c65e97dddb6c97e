"""The reporter's conversation page: numbers, the reply card, removal, one day format."""

from __future__ import annotations

import datetime as dt
import re

from flask.testing import FlaskClient
from sqlalchemy import select

from kring.core.cases import replies
from kring.core.context import CoreContext
from kring.core.models import Item, Reporter
from tests.source_ui.conftest import csrf_from, get_codename, submit


def _reply(ctx: CoreContext, confidant_id: int, text: str) -> int:
    with ctx.sessions() as db:
        reporter_id = db.scalar(select(Reporter.id))
    assert reporter_id is not None
    return replies.reply_to_reporter(
        ctx, reporter_id=reporter_id, confidant_id=confidant_id, text=text
    ).id


def test_every_entry_has_the_number_the_confidant_sees(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    get_codename(client)
    assert submit(client, message="one", files=[("a.txt", b"a")])[0] == 302
    _reply(ctx, confidant_a, "Thanks")
    page = client.get("/en/conversation").get_data(as_text=True)
    with ctx.sessions() as db:
        seqs = list(db.scalars(select(Item.seq).order_by(Item.seq)))
    assert seqs == [1, 2, 3]
    assert re.findall(r'<span class="seq">#(\d+)</span>', page) == ["1", "2", "3"]


def test_reply_card_has_no_stray_whitespace_and_removal_only_hides_it(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    get_codename(client)
    assert submit(client, message="one")[0] == 302
    reply_id = _reply(ctx, confidant_a, "Line one\nLine two")
    page = client.get("/en/conversation").get_data(as_text=True)
    # The pre-wrap text holds exactly the reply; the list entry itself does not pre-wrap.
    assert '<div class="reply-text">Line one\nLine two</div>' in page
    with client.get("/static/kring.css") as sheet:
        css = sheet.get_data(as_text=True)
    assert not re.search(r"(^|\s)\.reply\s*\{[^}]*pre-wrap", css)
    assert "No reply yet" not in page
    csrf = csrf_from(page)
    response = client.post(f"/en/reply/{reply_id}/delete", data={"csrf_token": csrf})
    assert response.status_code == 302
    after = client.get("/en/conversation").get_data(as_text=True)
    assert "Line one" not in after
    assert "removed from your view" in after
    assert "No reply yet" not in after  # a reply came; the reporter removed it
    with ctx.sessions() as db:
        assert db.scalar(select(Item.hidden_from_reporter).where(Item.id == reply_id)) is True
    # Removing it twice is a 404, not a crash.
    assert client.post(f"/en/reply/{reply_id}/delete", data={"csrf_token": csrf}).status_code == 404


def test_days_use_one_babel_format_per_language(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    ctx.today = lambda: dt.date(2026, 12, 1)
    get_codename(client)
    assert submit(client, message="one")[0] == 302
    english = client.get("/en/conversation").get_data(as_text=True)
    assert "Message sent on Dec 1, 2026" in english and "2026-12-01" not in english
    dutch = client.get("/nl/conversation").get_data(as_text=True)
    assert "1 dec 2026" in dutch and "2026-12-01" not in dutch
