"""Small things on the confidant's conversation page that must be right."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from kring.core.context import CoreContext
from kring.core.models import AuditEntry
from tests.journalist_ui.conftest import (
    Account,
    Clock,
    designation_of,
    login,
    post,
    write_report,
)

CODENAME = "alpha bravo charlie delta echo fox golf"


def _audit_actions(ctx: CoreContext) -> list[str]:
    with ctx.sessions() as db:
        return list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_nothing_unread_offers_no_download_and_logs_none(
    client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    slug = designation_of(jctx, write_report(jctx, CODENAME, message="hello"))
    login(client, admin, clock)
    with client.get(f"/en/c/{slug}/bundle.zip?which=unread") as first:
        assert first.status_code == 200
        first.get_data()
    assert _audit_actions(jctx).count("downloaded_bundle") == 1
    with client.get(f"/en/c/{slug}") as page:
        text = page.get_data(as_text=True)
    assert "Download unread" not in text and "Nothing unread." in text
    with client.get(f"/en/c/{slug}/bundle.zip?which=unread") as again:
        assert again.status_code == 302
    assert _audit_actions(jctx).count("downloaded_bundle") == 1


def test_closing_classification_shows_only_once_past_new(
    client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    slug = designation_of(jctx, write_report(jctx, CODENAME, message="hello"))
    login(client, admin, clock)
    with client.get(f"/en/c/{slug}") as page:
        assert 'class="closing"' not in page.get_data(as_text=True)
    assert post(client, f"/en/c/{slug}/status", {"status": "acknowledged"}, page=f"/en/c/{slug}")[0] == 302
    with client.get(f"/en/c/{slug}") as page:
        assert 'class="closing"' in page.get_data(as_text=True)
