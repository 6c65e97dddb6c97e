"""Smoke test of bench/workstation.py on a small bundle (the real run uses 500 MB)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _bench(*args: str) -> tuple[dict[str, float], str]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "workstation.py"), "--size-mb", "5", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_bench_smoke_reports_json() -> None:
    figures, _ = _bench()
    assert set(figures) == {"size_mb", "open_s", "gpg_s", "ratio", "peak_rss_mb"}
    assert figures["size_mb"] == 5 and figures["peak_rss_mb"] < 100


def test_bench_app_mode_opens_through_the_window_and_reports_its_figures() -> None:
    figures, said = _bench("--repeat", "1", "--app")
    assert {"app_s", "app_extra_s", "app_open_extra_s", "app_peak_rss_mb"} <= set(figures)
    assert "QT_QPA_PLATFORM': 'xcb'" in said  # a real X server, not offscreen
    assert figures["app_peak_rss_mb"] < 200
