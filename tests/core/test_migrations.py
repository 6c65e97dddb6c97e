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
    """An account an admin made before migration 0006 still has the admin-seen password and an
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


def test_0011_backfills_the_insight_counters_from_counted_rows(tmp_path: Path) -> None:
    """Existing counted conversations raise the counters they would have raised; others none."""
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    command.upgrade(alembic_config(url), "0010")
    rows = [
        # counted, path, category, unit, created, acknowledged, feedback, closed, closing, outcome
        (1, "wrongdoing", "bullying", "Care", "2026-03-30", "2026-04-02", "2026-04-12", None,
         None, None),
        (1, "advice", None, None, "2026-05-01", None, None, "2026-07-01", "integrity",
         "resolved"),
        (0, "formal", "aggression", "Care", "2026-05-01", None, None, None, None, None),
    ]  # fmt: skip
    with sqlite3.connect(tmp_path / "db.sqlite") as db:
        for n, row in enumerate(rows):
            db.execute(
                "INSERT INTO reporters (lookup_id, designation, public_key, secret_key, status, "
                "next_seq, last_activity_on, keep_copy, counted, path, category, unit, created_on, "
                "acknowledged_on, feedback_given_on, closed_on, closing_category, outcome) "
                "VALUES (?, ?, 'p', 's', 'new', 1, '2026-07-01', 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (f"id{n}", f"w w{n}", *row),
            )
    command.upgrade(alembic_config(url), "0011")
    with sqlite3.connect(tmp_path / "db.sqlite") as db:
        counts = set(db.execute("SELECT quarter, dimension, value, count FROM insight_counts"))
    assert counts == {
        ("2026-Q1", "category", "bullying", 1),
        ("2026-Q1", "path", "wrongdoing", 1),
        ("2026-Q1", "unit", "Care", 1),
        ("2026-Q2", "days_to_acknowledgement", "3", 1),
        ("2026-Q2", "days_to_feedback", "10", 1),
        ("2026-Q2", "category", "unknown", 1),
        ("2026-Q2", "path", "advice", 1),
        ("2026-Q2", "unit", "unknown", 1),
        ("2026-Q3", "closing_category", "integrity", 1),
        ("2026-Q3", "outcome", "resolved", 1),
    }


def test_0012_drops_unit_and_classification_and_keeps_that_it_was_classified(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    command.upgrade(alembic_config(url), "0011")
    with sqlite3.connect(tmp_path / "db.sqlite") as db:
        for n, outcome in enumerate(("resolved", None)):
            db.execute(
                "INSERT INTO reporters (lookup_id, designation, public_key, secret_key, status, "
                "next_seq, created_on, last_activity_on, keep_copy, counted, path, unit, "
                "closing_category, outcome) VALUES (?, ?, 'p', 's', 'closed', 1, '2026-01-01', "
                "'2026-01-01', 0, 1, 'advice', 'Care', 'integrity', ?)",
                (f"id{n}", f"w w{n}", outcome),
            )
    command.upgrade(alembic_config(url), "0012")
    with sqlite3.connect(tmp_path / "db.sqlite") as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(reporters)")}
        classified = db.execute("SELECT lookup_id, classified FROM reporters ORDER BY 1").fetchall()
    assert not columns & {"unit", "closing_category", "outcome"}
    assert classified == [("id0", 1), ("id1", 0)]
