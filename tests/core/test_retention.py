"""Retention: idle conversations are deleted with their keys and ciphertext."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from kring.core.cases.retention import deletion_day, run_retention
from kring.core.codenames import kdf
from kring.core.context import CoreContext
from kring.core.models import Item, Reporter
from kring.core.reporting import access, conversation, submission


def _submit(ctx: CoreContext, codename: str) -> kdf.ReporterSecrets:
    secrets_ = access.derive_secrets(ctx, codename)
    draft = submission.SubmissionDraft(ctx, secrets_)
    draft.choose(recipient=None, path=None, category=None)
    draft.set_message("hello")
    draft.commit()
    return secrets_


def test_idle_conversations_are_deleted_on_the_announced_day(
    ctx: CoreContext, confidant_a: int
) -> None:
    start = dt.date(2026, 1, 10)
    ctx.today = lambda: start
    old = _submit(ctx, "one two three four five six seven")
    ctx.today = lambda: start + dt.timedelta(days=200)
    recent = _submit(ctx, "seven six five four three two one")
    view = conversation.load_conversation(ctx, old)
    assert view.deleted_on_if_idle == deletion_day(start, 365) == dt.date(2027, 1, 10)

    ctx.today = lambda: dt.date(2027, 1, 9)
    assert run_retention(ctx).deleted_inactive == 0
    ctx.today = lambda: dt.date(2027, 1, 10)
    result = run_retention(ctx)
    assert result.deleted_inactive == 1
    assert not ctx.store.folder(old.lookup_id).exists()
    assert ctx.store.folder(recent.lookup_id).exists()
    with ctx.sessions() as db:
        assert db.scalar(select(func.count(Reporter.id))) == 1
        assert db.scalar(select(func.count(Item.id))) == 1
        assert db.scalar(select(Reporter.lookup_id)) == recent.lookup_id


def test_reporter_sees_the_deletion_day(ctx: CoreContext, confidant_a: int) -> None:
    from kring.source_ui import create_app
    from tests.source_ui.conftest import get_codename, submit

    app = create_app(ctx.settings, context=ctx)
    client = app.test_client()
    get_codename(client)
    submit(client, message="x")
    page = client.get("/en/conversation").get_data(as_text=True)
    from babel.dates import format_date

    expected = format_date(
        deletion_day(ctx.today(), ctx.settings.retention_inactive_days), "medium", locale="en"
    )
    assert f"it is deleted on {expected}" in page


def test_cli_retention_run(ctx: CoreContext, confidant_a: int) -> None:
    from click.testing import CliRunner

    from kring.cli import main

    _submit(ctx, "one two three four five six seven")
    runner = CliRunner()
    result = runner.invoke(main, ["retention", "run", "--instance", str(ctx.settings.instance_dir)])
    assert result.exit_code == 0, result.output
    assert "Deleted 0 idle and 0 closed conversations." in result.output
