"""Smoke test of bench/workstation.py on a small bundle (the real run uses 500 MB)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_smoke_reports_json() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "workstation.py"),
            "--size-mb",
            "5",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(figures) == {"size_mb", "open_s", "gpg_s", "ratio", "peak_rss_mb"}
    assert figures["size_mb"] == 5 and figures["peak_rss_mb"] < 100
