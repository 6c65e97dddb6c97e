#!/usr/bin/env python3
"""Benchmark: what counting the store costs a submission (quota check) and an admin page.

Builds a store of --conversations folders with --files-per ciphertext-sized
files each (sparse, so the disk is not filled), then times, median of
--repeats: the quota check a submission runs before reading
(``disk_room.refusal``: the disk, one conversation, the whole store) and the
admins' warning (``disk_room.store_room``). Figures, then a JSON last line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kring.core.context import build_context  # noqa: E402
from kring.core.instance import init_instance  # noqa: E402
from kring.core.storage.disk_room import refusal, store_room  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=2_000)
    parser.add_argument("--files-per", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kring-store-room-") as tmp:
        settings = init_instance(Path(tmp) / "instance", organisation_name="Store room")
        ctx = build_context(settings)
        lookups = []
        for n in range(args.conversations):
            lookup = f"{n:064x}"
            folder = settings.store_dir / lookup
            folder.mkdir()
            for m in range(args.files_per):
                with (folder / f"{m:032x}.gpg").open("wb") as handle:
                    handle.truncate(1_000_000)  # sparse: a size, no blocks
            lookups.append(lookup)
        checks, pages = [], []
        for _ in range(args.repeats):
            started = time.perf_counter()
            refusal(ctx, 10_000_000, lookups[0])
            checks.append(time.perf_counter() - started)
            started = time.perf_counter()
            store_room(ctx)
            pages.append(time.perf_counter() - started)
        ctx.engine.dispose()
    files = args.conversations * args.files_per
    check_ms = round(statistics.median(checks) * 1000, 1)
    page_ms = round(statistics.median(pages) * 1000, 1)
    print(f"{files} files in {args.conversations} conversations: quota check {check_ms} ms, "
          f"admin warning {page_ms} ms (medians of {args.repeats}; cores {os.cpu_count()})")
    print(json.dumps({"files": files, "quota_check_ms": check_ms, "admin_warning_ms": page_ms}))


if __name__ == "__main__":
    main()
