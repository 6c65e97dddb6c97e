"""A reporter's deletions keep the confidant's record honest."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import func, select

from kring.core.cases.retention import run_retention
from kring.core.context import CoreContext
from kring.core.models import DeletionNotice, Item
from kring.core.reporting import conversation
from tests.journalist_ui.conftest import (
    TODAY,
    Account,
    Clock,
    designation_of,
    login,
    post,
    write_report,
)

CODENAME = "alpha bravo charlie delta echo fox golf"


def test_a_reply_the_reporter_removed_stays_in_the_confidants_record(
    client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    secrets_ = write_report(jctx, CODENAME, message="first", recipient=admin.id)
    slug = designation_of(jctx, secrets_)
    login(client, admin, clock)
    assert post(client, f"/en/c/{slug}/reply", {"text": "Reply one"}, page=f"/en/c/{slug}")[0] == 302
    with jctx.sessions() as db:
        reply = db.scalar(select(Item).where(Item.kind == "reply"))
        assert reply is not None
        reply_id, blob = reply.id, reply.blob_name
    conversation.delete_reply(jctx, secrets_, reply_id)
    view = conversation.load_conversation(jctx, secrets_)
    assert [e.kind for e in view.entries] == ["message"] and view.replies_received == 1
    # The confidant's record: the reply is still there, numbered, and marked.
    with client.get(f"/en/c/{slug}") as page:
        text = page.get_data(as_text=True)
    assert "the reporter removed this reply from their view" in text
    assert "<td>2</td>" in text
    assert jctx.store.blob_path(secrets_.lookup_id, blob).exists()


def test_reporter_deletion_leaves_a_content_free_line_for_its_addressee_only(
    client: FlaskClient, admin: Account, bart: Account, clock: Clock, jctx: CoreContext
) -> None:
    secrets_ = write_report(
        jctx, CODENAME, message="wrongdoing", recipient=admin.id, path="wrongdoing"
    )
    slug = designation_of(jctx, secrets_)
    designation = slug.replace("-", " ")
    conversation.delete_conversation(jctx, secrets_)
    line = f"{designation}: deleted by the reporter on Jan 15, 2027"
    login(client, admin, clock)
    with client.get("/en/") as inbox:
        assert line in inbox.get_data(as_text=True)
    with client.get(f"/en/c/{slug}") as page:
        assert page.status_code == 410
        assert line in page.get_data(as_text=True)
        assert "wrongdoing" not in page.get_data(as_text=True).split("<main", 1)[-1].lower()
    client.post("/en/logout", data={})
    other = client.application.test_client()
    login(other, bart, clock)
    with other.get("/en/") as inbox:
        assert designation not in inbox.get_data(as_text=True)
    with other.get(f"/en/c/{slug}") as page:
        assert page.status_code == 404


def test_the_line_lasts_thirty_days_then_retention_removes_it(
    client: FlaskClient, admin: Account, bart: Account, clock: Clock, jctx: CoreContext
) -> None:
    secrets_ = write_report(jctx, CODENAME, message="to all")
    designation = designation_of(jctx, secrets_).replace("-", " ")
    conversation.delete_conversation(jctx, secrets_)
    with jctx.sessions() as db:  # addressed to all: every confidant gets the line
        assert db.scalar(select(func.count()).select_from(DeletionNotice)) == 2
    jctx.today = lambda: TODAY + dt.timedelta(days=29)
    login(client, bart, clock)
    with client.get("/en/") as inbox:
        assert f"{designation}: deleted by the reporter" in inbox.get_data(as_text=True)
    jctx.today = lambda: TODAY + dt.timedelta(days=30)
    with client.get("/en/") as inbox:
        assert designation not in inbox.get_data(as_text=True)
    run_retention(jctx)
    with jctx.sessions() as db:
        assert db.scalar(select(func.count()).select_from(DeletionNotice)) == 0


def test_a_confidants_own_deletion_leaves_no_line(
    client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    from kring.core.cases import actions

    secrets_ = write_report(jctx, CODENAME, message="x", recipient=admin.id)
    slug = designation_of(jctx, secrets_)
    actions.delete_conversation(jctx, admin.id, slug, actor="anna")
    with jctx.sessions() as db:
        assert db.scalar(select(func.count()).select_from(DeletionNotice)) == 0
