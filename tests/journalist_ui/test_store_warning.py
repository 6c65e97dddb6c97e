"""Admins are warned, on every page, when the store nears its quota or the disk its floor.

Real app on a real instance with a real report in the store: the warning is
what an admin would notice before reporters start getting "no room" pages.
"""

from __future__ import annotations

import dataclasses
import shutil

from flask.testing import FlaskClient

from kring.core.context import CoreContext
from kring.core.reporting import access
from tests.journalist_ui.conftest import Account, Clock, login, write_report

WARNING = 'id="store-warning"'


def _page(client: FlaskClient) -> str:
    return client.get("/en/", follow_redirects=True).get_data(as_text=True)


def test_admin_is_warned_when_the_store_nears_its_quota(
    client: FlaskClient, jctx: CoreContext, clock: Clock, admin: Account, bart: Account
) -> None:
    jctx.settings = dataclasses.replace(jctx.settings, store_quota_mb=1, store_min_free_mb=0)
    login(client, admin, clock)
    assert WARNING not in _page(client)  # an empty store: nothing to say

    code, _ = access.new_codename(jctx, "en")
    write_report(jctx, code, message="evidence", files=[("scan.pdf", b"%" * 950_000)])

    page = _page(client)
    assert WARNING in page
    assert "The store is nearly full." in page
    assert "of its quota of 1.0 MB" in page
    # A confidant who is no admin is not shown it.
    other = client.application.test_client()
    login(other, bart, clock)
    assert WARNING not in _page(other)


def test_admin_is_warned_when_the_disk_nears_its_floor(
    client: FlaskClient, jctx: CoreContext, clock: Clock, admin: Account
) -> None:
    free_mb = shutil.disk_usage(jctx.settings.store_dir).free // 1_000_000
    # 10 MB left above the floor, far less than a tenth of a 10 GB quota.
    jctx.settings = dataclasses.replace(
        jctx.settings, store_quota_mb=10_000, store_min_free_mb=free_mb - 10
    )
    login(client, admin, clock)
    page = _page(client)
    assert WARNING in page
    assert "Its disk has" in page
    assert "every submission is refused" in page
