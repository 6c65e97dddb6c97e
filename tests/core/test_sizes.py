"""Item sizes are buckets in the database, on the confidants' page, and after the migration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from sqlalchemy import select

from kring.core.context import CoreContext
from kring.core.db import alembic_config
from kring.core.models import Item
from kring.core.storage.sizes import size_bucket
from kring.journalist_ui.formatting import item_size
from tests.journalist_ui.conftest import write_report


def test_buckets_follow_the_1_2_5_series() -> None:
    assert [size_bucket(n) for n in (0, 1, 10_000, 10_001, 20_001, 50_001)] == [
        0,
        10_000,
        10_000,
        20_000,
        50_000,
        100_000,
    ]
    assert size_bucket(1_234_567) == 2_000_000
    assert size_bucket(4_999_999_999) == 5_000_000_000
    assert item_size(2_000_000) == "≤ 2.0 MB"


def test_stored_items_keep_only_their_bucket(ctx: CoreContext, confidant_a: int) -> None:
    write_report(
        ctx,
        "alpha bravo charlie delta echo foxtrot golf",
        message="x" * 12_345,
        files=[("report.pdf", b"%PDF" * 300_000)],
    )
    with ctx.sessions() as db:
        sizes = sorted(db.scalars(select(Item.size)))
    assert sizes == [20_000, 2_000_000]
    exact = sorted(p.stat().st_size for p in ctx.store.root.rglob("*.gpg"))
    assert all(e not in sizes for e in exact)


def test_the_migration_rounds_existing_sizes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    config = alembic_config(url)
    command.upgrade(config, "0009")
    with sqlite3.connect(tmp_path / "old.sqlite") as db:
        db.execute(
            "INSERT INTO confidants (id, display_name, is_active, created_on, role, notify,"
            " notified_up_to, totp_confirmed) VALUES (1, 'A', 1, '2026-01-01', 'confidant', 0,"
            " 0, 0)"
        )
        db.execute(
            "INSERT INTO reporters (id, lookup_id, designation, public_key, secret_key, path,"
            " status, created_on, last_activity_on, next_seq, counted) VALUES (1, 'l', 'd',"
            " 'p', 's', 'just_talk', 'new', '2026-01-01', '2026-01-01', 2, 0)"
        )
        db.execute(
            "INSERT INTO items (id, reporter_id, seq, kind, created_on, size, blob_name)"
            " VALUES (1, 1, 1, 'file', '2026-01-01', 1234567, 'b')"
        )
    command.upgrade(config, "0010")
    with sqlite3.connect(tmp_path / "old.sqlite") as db:
        assert db.execute("SELECT size FROM items").fetchone() == (2_000_000,)
