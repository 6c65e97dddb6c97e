"""The account page sets the e-mail address and the opt-in for activity notices."""

from __future__ import annotations

from flask.testing import FlaskClient

from kring.core.accounts import records
from kring.core.context import CoreContext
from tests.journalist_ui.conftest import Account, Clock, login, post


def test_confidant_opts_in_and_out(
    jctx: CoreContext, client: FlaskClient, clock: Clock, bart: Account
) -> None:
    login(client, bart, clock)
    with client.get("/en/account/") as page:
        html = page.get_data(as_text=True)
    assert 'name="email"' in html and 'name="notify"' in html
    status, _ = post(
        client,
        "/en/account/notices",
        {"email": "bart@example.org", "notify": "1"},
        page="/en/account/",
    )
    assert status == 302
    row = records.get_account(jctx, bart.id)
    assert (row.email, row.notify) == ("bart@example.org", True)
    status, _ = post(
        client, "/en/account/notices", {"email": "not an address"}, page="/en/account/"
    )
    assert records.get_account(jctx, bart.id).email == "bart@example.org"
    with client.get("/en/account/") as page:
        assert "That e-mail address is not valid" in page.get_data(as_text=True)
    post(client, "/en/account/notices", {"email": "bart@example.org"}, page="/en/account/")
    assert records.get_account(jctx, bart.id).notify is False
