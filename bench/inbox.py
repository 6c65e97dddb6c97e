#!/usr/bin/env python3
"""Benchmark: the confidant's inbox and one conversation page with N conversations.

Makes a fresh instance, creates a confidant account through kring.core.accounts
(real argon2id, real key check), then fills the database with --sources
conversations of 10 items each, using core's models and sessions (rows as a
submission leaves them: reporters, items, item recipients; some read marks,
stars, acknowledgements). Ciphertext files are not written: neither page reads
them, and 100,000 gpg runs would measure gpg, not the inbox. Then it logs in
through journalist_ui (Flask test client, password + TOTP) and times the first
inbox page (default sort) and one conversation page. The last line is JSON:
{"sources": …, "items": …, "inbox_p50_ms": …, "inbox_p99_ms": …,
 "conversation_p50_ms": …}
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyotp
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kring.core import throttle  # noqa: E402
from kring.core.accounts import admin, enrolment, passwords, records  # noqa: E402
from kring.core.cases.legal_clock import feedback_by  # noqa: E402
from kring.core.codenames.wordlists import load_wordlist  # noqa: E402
from kring.core.context import CoreContext, build_context  # noqa: E402
from kring.core.instance import init_instance  # noqa: E402
from kring.core.models import Item, ItemRecipient, ReadMark, Reporter, Star  # noqa: E402
from kring.core.settings import load_settings  # noqa: E402
from kring.crypto.gpg import GpgHome  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
ITEMS_PER_SOURCE = 10
TODAY = dt.date(2026, 11, 29)


def make_key(home_dir: Path) -> str:
    """A Curve25519 key for the confidant (the workstation's public half)."""
    home = GpgHome(home_dir).ensure()
    params = (
        "%no-protection\nKey-Type: EDDSA\nKey-Curve: ed25519\nSubkey-Type: ECDH\n"
        "Subkey-Curve: cv25519\nName-Real: Bench\nExpire-Date: 0\n%commit\n"
    )
    home.run(["--gen-key"], input_bytes=params.encode())
    key = home.run(["--armor", "--export"]).stdout.decode()
    home.kill_agent()
    return key


def fill(ctx: CoreContext, confidant_id: int, other_id: int, sources: int, seed: int = 7) -> int:
    """Insert ``sources`` conversations of 10 items each; return the item count."""
    rng = random.Random(seed)
    words = load_wordlist("en")
    paths = ["just_talk", "advice", "informal", "formal", "wrongdoing"]
    statuses = ["new", "acknowledged", "in_progress", "closed"]
    designations: set[str] = set()
    while len(designations) < sources:
        designations.add(f"{rng.choice(words)} {rng.choice(words)}")
    reporters = []
    for n, designation in enumerate(sorted(designations)):
        created = TODAY - dt.timedelta(days=rng.randint(0, 700))
        status = rng.choice(statuses)
        acknowledged = None if status == "new" else created + dt.timedelta(days=rng.randint(0, 9))
        reporters.append(
            {
                "id": n + 1,
                "lookup_id": f"{n:064x}",
                "designation": designation,
                "public_key": "-",
                "secret_key": "-",
                "path": rng.choice(paths),
                "category": None,
                # One in ten is addressed to another confidant alone.
                "recipient_id": other_id if rng.random() < 0.1 else None,
                "status": status,
                "created_on": created,
                "last_activity_on": min(TODAY, created + dt.timedelta(days=rng.randint(0, 60))),
                "next_seq": ITEMS_PER_SOURCE + 1,
                "acknowledged_on": acknowledged,
                "feedback_due_on": feedback_by(acknowledged) if acknowledged else None,
                "closed_on": TODAY if status == "closed" else None,
            }
        )
    items, recipients, marks, stars = [], [], [], []
    item_id = 0
    for reporter in reporters:
        to = [reporter["recipient_id"]] if reporter["recipient_id"] else [confidant_id, other_id]
        for seq in range(1, ITEMS_PER_SOURCE + 1):
            item_id += 1
            kind = "reply" if seq % 4 == 0 else ("file" if seq % 3 == 0 else "message")
            items.append(
                {
                    "id": item_id,
                    "reporter_id": reporter["id"],
                    "seq": seq,
                    "kind": kind,
                    "author_id": confidant_id if kind == "reply" else None,
                    "created_on": reporter["created_on"],
                    "size": rng.randint(500, 5_000_000),
                    "blob_name": f"{seq:08d}.gpg",
                    "reporter_label": None,
                }
            )
            recipients.extend({"item_id": item_id, "confidant_id": c} for c in to)
            if confidant_id in to and rng.random() < 0.6:
                marks.append({"confidant_id": confidant_id, "item_id": item_id})
        if rng.random() < 0.05:
            stars.append({"confidant_id": confidant_id, "reporter_id": reporter["id"]})
    with ctx.sessions.begin() as db:
        for model, rows in (
            (Reporter, reporters),
            (Item, items),
            (ItemRecipient, recipients),
            (ReadMark, marks),
            (Star, stars),
        ):
            for start in range(0, len(rows), 20_000):
                db.execute(insert(model), rows[start : start + 20_000])
    with ctx.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    return len(items)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=100, help="timed requests per page")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()

    from kring.journalist_ui import create_app

    with tempfile.TemporaryDirectory(prefix="kring-bench-inbox-") as tmp:
        work = args.workdir or Path(tmp)
        instance = work / "instance"
        init_instance(instance, organisation_name="Bench")
        settings = load_settings({"KRING_INSTANCE": str(instance)})
        ctx = build_context(settings)
        ctx.today = lambda: TODAY
        made = admin.create_account(
            ctx, username="anna", display_name="Anna", role=records.Role.ADMIN, actor="bench"
        )
        other = admin.create_account(
            ctx, username="bart", display_name="Bart", role=records.Role.CONFIDANT, actor="bench"
        )
        now = time.time()
        password = passwords.generate_password()
        secret = enrolment.complete_enrolment(
            ctx, made.account_id, temporary=made.password, own=password, at=now
        )
        enrolment.set_public_key(
            ctx,
            made.account_id,
            make_key(work / "gpg-bench"),
            password=password,
            code=pyotp.TOTP(secret).at(now - 30),
            at=now,
            failures=throttle.FailureThrottle(),
        )
        started = time.perf_counter()
        items = fill(ctx, made.account_id, other.account_id, args.sources)
        print(
            f"filled {args.sources} conversations, {items} items in "
            f"{time.perf_counter() - started:.1f} s"
        )

        app = create_app(settings, context=ctx)
        client = app.test_client()
        with client.get("/en/login") as page:
            token = CSRF_RE.search(page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
        with client.post(
            "/en/login",
            data={
                "csrf_token": token,
                "username": "anna",
                "password": password,
                "totp": pyotp.TOTP(secret).at(now),
            },
        ) as login:
            assert login.status_code == 302, login.get_data(as_text=True)[:500]

        def timed(url: str) -> list[float]:
            with client.get(url) as warm:
                assert warm.status_code == 200, url
            samples = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                with client.get(url) as response:
                    response.get_data()
                samples.append((time.perf_counter() - t0) * 1000)
            return samples

        inbox = timed("/en/")
        by_deadline = timed("/en/?sort=deadline")
        last_page = timed(f"/en/?page={args.sources // 25}")
        with client.get("/en/") as page:
            slug = re.search(r'href="/en/c/([^"]+)"', page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
        conversation = timed(f"/en/c/{slug}")
        ctx.engine.dispose()
    result = {
        "sources": args.sources,
        "items": items,
        "inbox_p50_ms": round(statistics.median(inbox), 1),
        "inbox_p99_ms": round(percentile(inbox, 0.99), 1),
        "conversation_p50_ms": round(statistics.median(conversation), 1),
    }
    print(f"inbox page:        p50 {result['inbox_p50_ms']} ms, p99 {result['inbox_p99_ms']} ms")
    print(f"inbox by deadline: p50 {statistics.median(by_deadline):.1f} ms")
    print(f"inbox last page:   p50 {statistics.median(last_page):.1f} ms")
    print(f"conversation page: p50 {result['conversation_p50_ms']} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
