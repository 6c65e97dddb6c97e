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


def test_0006_sends_accounts_not_yet_enrolled_back_to_their_holder(tmp_path: Path) -> None:
    """An account an admin made before issue 13 still has the admin-seen password and an
    admin-made TOTP secret: after the upgrade its holder must choose a password and enrol
    afresh; an enrolled account is left as it is."""
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    command.upgrade(alembic_config(url), "0005")
    with sqlite3.connect(tmp_path / "db.sqlite") as db:
        for name, confirmed in (("fresh", 0), ("enrolled", 1)):
            db.execute(
                "INSERT INTO confidants (display_name, is_active, created_on, username, "
                "password_hash, totp_secret, totp_confirmed, role, notify, notified_up_to) "
                "VALUES (?, 1, '2026-01-01', ?, 'h', 'SECRETSEENBYADMIN', ?, 'confidant', 0, 0)",
                (name, name, confirmed),
            )
    command.upgrade(alembic_config(url), "0006")
    with sqlite3.connect(tmp_path / "db.sqlite") as db:
        rows = db.execute(
            "SELECT username, password_temporary, totp_secret FROM confidants ORDER BY username"
        ).fetchall()
    assert rows == [("enrolled", 0, "SECRETSEENBYADMIN"), ("fresh", 1, None)]
