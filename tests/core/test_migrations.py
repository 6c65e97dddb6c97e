"""Migrations: one head, and an upgrade keeps existing data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from kring.core.db import alembic_config, upgrade_database


def test_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_upgrade_from_first_revision_keeps_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    command.upgrade(alembic_config(url), "0001")
    with sqlite3.connect(tmp_path / "db.sqlite") as db:
        db.execute(
            "INSERT INTO confidants (display_name, is_active, created_on) VALUES ('A', 1, '2026-01-01')"
        )
        db.execute(
            "INSERT INTO reporters (lookup_id, designation, public_key, secret_key, path, status, "
            "created_on, last_activity_on, next_seq) VALUES ('ab', 'x y', 'p', 's', 'advice', 'new', "
            "'2026-01-01', '2026-01-02', 1)"
        )
    upgrade_database(url)
    with sqlite3.connect(tmp_path / "db.sqlite") as db:
        assert db.execute("SELECT display_name, notify FROM confidants").fetchall() == [("A", 0)]
        assert db.execute("SELECT path, counted FROM reporters").fetchall() == [("advice", 0)]
