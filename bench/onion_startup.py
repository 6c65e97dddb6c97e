#!/usr/bin/env python3
"""Benchmark: from `kring-demo` starting to both onion services answering through Tor.

Runs the README's main command (`kring-demo`, private Tor network) --runs times
on one instance, and for each run measures the seconds from starting the
process until source_ui's and journalist_ui's onion addresses both answer an
HTTP request through the demo's client tor (journalist_ui with the demo
confidant's client key). The last line is JSON:
{"runs": …, "median_s": …, "max_s": …, "failed": …}
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kring.onion.errors import OnionError  # noqa: E402
from kring.onion.reachability import wait_until_reachable  # noqa: E402

KRING_DEMO = str(Path(sys.executable).with_name("kring-demo"))


def one_run(instance: Path, deadline_s: float) -> float:
    started = time.monotonic()
    proc = subprocess.Popen(
        [KRING_DEMO, "--instance", str(instance), "--port", "0", "--journalist-port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        text = ""
        while "Running." not in text:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("kring-demo exited before it was running:\n" + text)
            text += line
            if time.monotonic() - started > deadline_s:
                raise RuntimeError("kring-demo did not start in time")
        onions = re.findall(r"http://([a-z2-7]{56}\.onion)/", text)
        socks = int(re.search(r"Tor SOCKS port:\s+127\.0\.0\.1:(\d+)", text).group(1))  # type: ignore[union-attr]
        for address in dict.fromkeys(onions):
            left = deadline_s - (time.monotonic() - started)
            wait_until_reachable(address, socks_port=socks, timeout=max(left, 1))
        return time.monotonic() - started
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--deadline", type=float, default=120.0, help="seconds before a run fails")
    args = parser.parse_args()
    times: list[float] = []
    failed = 0
    with tempfile.TemporaryDirectory(prefix="kring-onion-bench-") as tmp:
        instance = Path(tmp) / "instance"
        for run in range(args.runs):
            try:
                seconds = one_run(instance, args.deadline)
            except (OnionError, RuntimeError) as exc:
                failed += 1
                print(f"run {run + 1}: FAILED ({exc})")
                continue
            times.append(seconds)
            print(f"run {run + 1}: both onions answered after {seconds:.1f} s")
    print(json.dumps({
        "runs": args.runs,
        "median_s": round(statistics.median(times), 1) if times else None,
        "max_s": round(max(times), 1) if times else None,
        "failed": failed,
    }))


if __name__ == "__main__":
    main()
