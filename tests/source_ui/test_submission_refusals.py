"""The store's quota, the cap per conversation and a full pool at a first submission.

Real app, real gpg, real SQLite: a submission that would pass either limit
gets a clear page with the form and the typed text back, and nothing of it
is stored; what fits still goes through.
"""

from __future__ import annotations

import dataclasses
import html
import re
import threading
import time
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import func, select

from kring.core.codenames.kdf_pool import KdfPool, PoolSize, Purpose
from kring.core.context import CoreContext
from kring.core.models import Item
from kring.core.reporting import access
from kring.core.reporting import submission as reporting_submission
from tests.source_ui.conftest import get_codename, submit

ABOUT_600_KB = b"x" * 600_000


def _items(ctx: CoreContext) -> int:
    with ctx.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(Item)) or 0)


def _store_files(ctx: CoreContext) -> list[Path]:
    return sorted(p for p in ctx.settings.store_dir.rglob("*") if p.is_file())


def _textarea(page: str) -> str:
    match = re.search(r'<textarea id="message"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "the form did not come back"
    return html.unescape(match.group(1))


def test_a_conversation_past_its_cap_is_refused_with_the_text_kept(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    ctx.settings = dataclasses.replace(ctx.settings, conversation_quota_mb=1)
    get_codename(client)
    status, _ = submit(client, message="first", files=[("a.bin", ABOUT_600_KB)])
    assert status in (302, 303)
    items, files = _items(ctx), _store_files(ctx)

    status, page = submit(client, message="the second, typed", files=[("b.bin", ABOUT_600_KB)])

    assert status == 507
    assert "Your conversation is full — nothing was sent" in page
    assert "at most 1 MB" in page
    assert _textarea(page) == "the second, typed"
    assert (_items(ctx), _store_files(ctx)) == (items, files)
    # Without the file, the message fits and is sent.
    assert submit(client, message="the second, typed")[0] in (302, 303)
    assert _items(ctx) == items + 1


def test_a_full_store_refuses_every_conversation_with_the_text_kept(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    ctx.settings = dataclasses.replace(ctx.settings, store_quota_mb=1)
    # Someone else's conversation already holds most of the quota.
    _, other = access.new_codename(ctx, "en")
    draft = reporting_submission.SubmissionDraft(ctx, other)
    try:
        draft.choose(recipient="all", path="just_talk", category=None)
        upload = draft.open_file("big.bin")
        upload.write(ABOUT_600_KB)
        upload.finish()
        draft.commit()
    finally:
        draft.discard()
    items, files = _items(ctx), _store_files(ctx)
    get_codename(client)

    status, page = submit(client, message="mine", files=[("c.bin", ABOUT_600_KB)])

    assert status == 507
    assert "There is no room for this right now — nothing was sent" in page
    assert _textarea(page) == "mine"
    assert (_items(ctx), _store_files(ctx)) == (items, files)
    assert submit(client, message="mine")[0] in (302, 303)


def test_a_first_submission_when_the_pool_is_full_gets_busy_with_the_text_kept(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    """The reporter key pair of a first submission is made in the pool: full, a busy page."""
    get_codename(client)
    ctx.kdf_pool = KdfPool(PoolSize(workers=1, queue=1, login_reserve=1), key_pair_max_wait_s=0.2)
    release = threading.Event()
    holder = threading.Thread(
        # Another first submission's key pair holds the one place there is.
        target=lambda: ctx.kdf_pool.run(Purpose.KEY_PAIR, lambda: release.wait(10)),
        daemon=True,
    )
    holder.start()
    while ctx.kdf_pool.load()[1] < 1:
        time.sleep(0.01)
    try:
        status, page = submit(client, message="please keep this", files=[("a.bin", b"abc")])
    finally:
        release.set()
        holder.join(5)
    assert status == 503
    assert "The server is busy right now — nothing was sent" in page
    assert _textarea(page) == "please keep this"
    assert (_items(ctx), _store_files(ctx)) == (0, [])
    assert submit(client, message="please keep this")[0] in (302, 303)
    assert _items(ctx) == 1
