"""The factory builds an app, and a confidant can log in and see the inbox."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from kring.core.context import CoreContext
from tests.journalist_ui.conftest import Account, Clock, login, write_report


def test_login_and_inbox(
    app: Flask, client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    write_report(jctx, "alpha bravo charlie delta echo fox golf", message="hello")
    login(client, admin, clock)
    with client.get("/en/") as page:
        assert page.status_code == 200, page.get_data(as_text=True)
        html = page.get_data(as_text=True)
    assert "1 conversation(s)" in html
