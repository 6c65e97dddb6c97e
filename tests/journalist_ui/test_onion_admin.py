"""Admins see both onion addresses and download the workplace poster."""

from __future__ import annotations

from flask.testing import FlaskClient

from kring.core.context import CoreContext
from kring.onion import client_registry
from kring.onion.keys import ensure_service_key
from tests.journalist_ui.conftest import Account, Clock, login


def _publish_addresses(ctx: CoreContext) -> tuple[str, str]:
    """Lay out the onion state as `kring-demo` / the tor role leaves it."""
    registry = client_registry(ctx.settings.instance_dir)
    registry.add("anna")
    journalist = (registry.service_dir / "hostname").read_text().strip()
    source_dir = ctx.settings.instance_dir / "onion" / "source"
    ensure_service_key(source_dir)
    source = (source_dir / "hostname").read_text().strip()
    return source, journalist


def test_admin_sees_addresses_clients_and_poster(
    client: FlaskClient, jctx: CoreContext, admin: Account, clock: Clock
) -> None:
    source, journalist = _publish_addresses(jctx)
    login(client, admin, clock)
    with client.get("/en/admin/onion/") as page:
        text = page.get_data(as_text=True)
        assert page.status_code == 200
    assert source in text
    assert journalist in text
    assert "<li>anna</li>" in text
    with client.get("/en/admin/onion/poster.pdf") as pdf:
        assert pdf.status_code == 200
        assert pdf.mimetype == "application/pdf"
        assert pdf.get_data().startswith(b"%PDF")
    with client.get("/en/admin/onion/poster.png") as png:
        assert png.get_data().startswith(b"\x89PNG")
    with client.get("/en/admin/onion/poster.gif") as bad:
        assert bad.status_code == 404


def test_confidant_cannot_open_onion_admin(
    client: FlaskClient, jctx: CoreContext, admin: Account, bart: Account, clock: Clock
) -> None:
    _publish_addresses(jctx)
    login(client, bart, clock)
    with client.get("/en/admin/onion/") as page:
        assert page.status_code == 403
    with client.get("/en/admin/onion/poster.pdf") as pdf:
        assert pdf.status_code == 403


def test_not_published_yet(client: FlaskClient, admin: Account, clock: Clock) -> None:
    login(client, admin, clock)
    with client.get("/en/admin/onion/") as page:
        assert "has not been published yet" in page.get_data(as_text=True)
    with client.get("/en/admin/onion/poster.pdf") as pdf:
        assert pdf.status_code == 404
