"""The sweep of leftovers, failed deletions reported, the WAL truncated after deletions."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from kring.cli import main as kring_cli
from kring.core.cases.retention import run_retention
from kring.core.codenames import kdf
from kring.core.context import CoreContext
from kring.core.models import AuditEntry, Reporter
from kring.core.reporting import access, submission
from kring.core.reporting import conversation as reporting_conversation
from kring.core.storage.leftovers import sweep_leftovers, sweep_soon
from kring.crypto.ephemeral import ephemeral_home, ephemeral_parent, prepare_ephemeral_parent

ORPHAN = "c" * 64


def _submit(ctx: CoreContext, codename: str, message: str) -> kdf.ReporterSecrets:
    secrets_ = access.derive_secrets(ctx, codename)
    draft = submission.SubmissionDraft(ctx, secrets_)
    try:
        draft.choose(recipient="all", path=None, category=None)
        draft.set_message(message)
        draft.commit()
    finally:
        draft.discard()
    return secrets_


def test_sweep_removes_what_no_one_writes_and_keeps_the_rest(
    ctx: CoreContext, confidant_a: int
) -> None:
    live = _submit(ctx, "alpha bravo charlie delta echo foxtrot golf", "kept")
    live_folder = ctx.store.folder(live.lookup_id)
    kept = sorted(p.name for p in live_folder.iterdir())
    dead_temp = live_folder / ".partial-00000000000000000000000000000000"
    dead_temp.write_bytes(b"left by a killed worker")
    held_path, held = ctx.store.open_temp(live.lookup_id)
    orphan = ctx.store.folder(ORPHAN)
    orphan.mkdir()
    (orphan / ("d" * 32 + ".gpg")).write_bytes(b"a deletion that failed halfway")

    result = sweep_leftovers(ctx)

    assert not dead_temp.exists() and not orphan.exists()
    assert held_path.exists(), "an upload in progress keeps its temp file"
    assert (result.temp_files_removed, result.folders_removed) == (1, 1)
    held.close()
    held_path.unlink()
    assert sorted(p.name for p in live_folder.iterdir()) == kept


def test_a_first_submission_between_publish_and_commit_is_not_a_leftover(
    ctx: CoreContext, confidant_a: int
) -> None:
    secrets_ = access.derive_secrets(ctx, "hotel india juliet kilo lima mike november")
    draft = submission.SubmissionDraft(ctx, secrets_)
    draft.choose(recipient="all", path=None, category=None)
    upload = draft.open_file("notes.txt")
    upload.write(b"published before the rows")
    upload.finish()
    # The file is published, its conversation row is not there yet.
    result = sweep_leftovers(ctx)
    assert result.folders_busy == 1 and result.folders_removed == 0
    draft.set_message("and a message")
    draft.commit()
    draft.discard()
    view = reporting_conversation.load_conversation(ctx, secrets_)
    assert [e.kind for e in view.entries] == ["message", "file"]


def test_a_failed_deletion_is_reported_and_the_sweep_finishes_it(
    ctx: CoreContext, confidant_a: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets_ = _submit(ctx, "oscar papa quebec romeo sierra tango uniform", "delete me")
    folder = ctx.store.folder(secrets_.lookup_id)
    real_rmtree = shutil.rmtree

    def failing_rmtree(path: Any, onerror: Any = None, **_: Any) -> None:
        onerror(Path.unlink, str(Path(path) / "x.gpg"), (PermissionError, None, None))

    monkeypatch.setattr("kring.core.storage.store.shutil.rmtree", failing_rmtree)
    reporting_conversation.delete_conversation(ctx, secrets_)
    assert folder.exists()
    with ctx.sessions() as db:
        assert db.scalar(select(Reporter)) is None
        actions = list(db.scalars(select(AuditEntry.action)))
    assert actions == ["deletion_failed"]

    monkeypatch.setattr("kring.core.storage.store.shutil.rmtree", real_rmtree)
    run_retention(ctx)  # the daily job sweeps as well
    assert not folder.exists()


def test_the_wal_is_truncated_after_a_reporters_deletion(
    ctx: CoreContext, confidant_a: int
) -> None:
    secrets_ = _submit(ctx, "victor whiskey xray yankee zulu alpha bravo", "gone soon")
    wal = Path(str(ctx.settings.database_url).removeprefix("sqlite:///") + "-wal")
    assert wal.stat().st_size > 0
    reporting_conversation.delete_conversation(ctx, secrets_)
    assert wal.stat().st_size == 0
    with ctx.sessions() as db:
        assert db.scalar(select(Reporter)) is None


def _killed_process_home() -> Path:
    """A gpg home as a killed process leaves it: named by a pid that no longer runs."""
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    home = prepare_ephemeral_parent() / f"kring-sign-{int(ended.stdout)}-abcd1234"
    (home / "private-keys-v1.d").mkdir(parents=True, mode=0o700)
    (home / "private-keys-v1.d" / "locked.key").write_bytes(b"a reporter's locked key")
    return home


def test_the_sweep_and_the_retention_job_remove_a_killed_processs_gpg_home(
    ctx: CoreContext, private_tmpfs: Path
) -> None:
    with ephemeral_home("kring-keygen-") as live:
        orphan = _killed_process_home()
        result = sweep_leftovers(ctx)
        assert result.gpg_homes_removed == 1 and result.failures == 0
        assert not orphan.exists()

        orphan = _killed_process_home()
        run_retention(ctx)
        assert not orphan.exists()
        assert (live.path / "gpg-agent.conf").exists(), "a live process's home is kept"


def test_the_retention_command_makes_the_folder_and_sweeps_it(
    ctx: CoreContext, private_tmpfs: Path
) -> None:
    retention = ["retention", "run", "--instance", str(ctx.settings.instance_dir)]
    assert not ephemeral_parent().exists()
    ran = CliRunner().invoke(kring_cli, retention)
    assert ran.exit_code == 0, ran.output
    assert ephemeral_parent().is_dir()
    orphan = _killed_process_home()
    assert CliRunner().invoke(kring_cli, retention).exit_code == 0
    assert not orphan.exists()


def test_a_workers_start_sweeps_the_gpg_homes_too(ctx: CoreContext, private_tmpfs: Path) -> None:
    orphan = _killed_process_home()
    sweep_soon(ctx, delay=0).join(timeout=60)
    assert not orphan.exists()
