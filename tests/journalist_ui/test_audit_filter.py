"""The audit log: an admin reads only lines about conversations they may see; lines go with
the conversation."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select

from kring.core.accounts import records
from kring.core.cases.retention import run_retention
from kring.core.context import CoreContext
from kring.core.models import AuditEntry
from kring.core.reporting import conversation as reporting_conversation
from tests.conftest import ConfidantKeyPair
from tests.journalist_ui.conftest import (
    Account,
    Clock,
    designation_of,
    login,
    make_account,
    post,
    write_report,
)

CODENAME = "alpha bravo charlie delta echo foxtrot golf"


def _audit_page(app: Flask, account: Account, clock: Clock) -> str:
    browser = app.test_client()
    login(browser, account, clock)
    with browser.get("/en/admin/audit") as page:
        assert page.status_code == 200
        return page.get_data(as_text=True)


def test_an_admin_reads_only_lines_of_conversations_addressed_to_them(
    app: Flask,
    jctx: CoreContext,
    clock: Clock,
    admin: Account,
    other_confidant_key: ConfidantKeyPair,
) -> None:
    bea = make_account(jctx, clock, "bea", role=records.Role.ADMIN, key=other_confidant_key)
    to_bea = write_report(jctx, CODENAME, message="for Bea only", recipient=bea.id)
    to_all = write_report(jctx, "hotel india juliet kilo lima mike oscar", message="for all")
    bea_slug, all_slug = designation_of(jctx, to_bea), designation_of(jctx, to_all)
    browser = app.test_client()
    login(browser, bea, clock)
    assert post(browser, f"/en/c/{bea_slug}/reply", {"text": "seen"})[0] == 302
    assert post(browser, f"/en/c/{all_slug}/reply", {"text": "seen too"})[0] == 302

    anna_sees = _audit_page(app, admin, clock)
    assert all_slug.replace("-", " ") in anna_sees
    assert bea_slug.replace("-", " ") not in anna_sees
    assert "created account" in anna_sees  # account lines are every admin's
    assert bea_slug.replace("-", " ") in _audit_page(app, bea, clock)


def test_lines_about_a_conversation_are_deleted_with_it(
    app: Flask, jctx: CoreContext, clock: Clock, admin: Account
) -> None:
    by_reporter = write_report(jctx, CODENAME, message="I will delete this")
    by_retention = write_report(jctx, "hotel india juliet kilo lima mike oscar", message="old")
    names = [designation_of(jctx, s).replace("-", " ") for s in (by_reporter, by_retention)]
    browser = app.test_client()
    login(browser, admin, clock)
    for secrets_ in (by_reporter, by_retention):
        slug = designation_of(jctx, secrets_)
        assert post(browser, f"/en/c/{slug}/reply", {"text": "a reply"})[0] == 302
    with jctx.sessions() as db:
        assert {e.designation for e in db.scalars(select(AuditEntry))} >= set(names)

    reporting_conversation.delete_conversation(jctx, by_reporter)
    jctx.today = lambda: dt.date(2030, 1, 1)  # long past the retention of the other one
    run_retention(jctx)

    with jctx.sessions() as db:
        left = {e.designation for e in db.scalars(select(AuditEntry))}
    assert not left & set(names)

