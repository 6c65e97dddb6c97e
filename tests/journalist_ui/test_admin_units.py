"""Admins keep the list of coarse units reporters may name."""

from __future__ import annotations

from flask.testing import FlaskClient

from kring.core import units
from kring.core.context import CoreContext
from tests.journalist_ui.conftest import Account, Clock, login, post


def test_admin_adds_and_removes_units(
    client: FlaskClient, jctx: CoreContext, admin: Account, clock: Clock
) -> None:
    login(client, admin, clock)
    status, _ = post(client, "/en/admin/units", {"name": "Sales"}, page="/en/admin/units")
    assert status == 302
    assert units.list_units(jctx) == ["Sales"]
    status, page = post(client, "/en/admin/units", {"name": "Sales"}, page="/en/admin/units")
    assert status == 400
    assert "new name of 1 to 80 characters" in page
    status, _ = post(client, "/en/admin/units", {"name": " "}, page="/en/admin/units")
    assert status == 400
    with client.get("/en/admin/units") as response:
        assert "Sales" in response.get_data(as_text=True)
    status, _ = post(
        client, "/en/admin/units", {"name": "Sales", "action": "delete"}, page="/en/admin/units"
    )
    assert status == 302
    assert units.list_units(jctx) == []


def test_confidant_cannot_edit_units(
    client: FlaskClient, admin: Account, bart: Account, clock: Clock
) -> None:
    login(client, bart, clock)
    with client.get("/en/admin/units") as response:
        assert response.status_code == 403
