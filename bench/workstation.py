"""Bench: `kring-workstation open` on a bundle with one N MB file vs plain `gpg --decrypt`.

    .venv/bin/python bench/workstation.py --size-mb 500

Makes a confidant key (cheap S2K), streams N MB of random data through the
server's StreamEncryptor into a store file, writes a bundle with the real
writer, then times `open` (as a separate process, so its peak RSS is its own)
and `gpg --decrypt` of the same ciphertext, in pairs (--repeat, default 5).
Checks the opened file's sha256.
Last line: JSON {"size_mb", "open_s", "gpg_s", "ratio", "peak_rss_mb"}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kring.crypto.bundle import BundleItem, write_bundle  # noqa: E402
from kring.crypto.encrypt import StreamEncryptor  # noqa: E402
from kring.crypto.gpg import FAST_S2K_COUNT, GpgHome  # noqa: E402
from kring.workstation.keygen import generate_confidant_key  # noqa: E402

PASSPHRASE = "bench passphrase for kring"  # noqa: S105 - a throwaway bench key
CHUNK = 1024 * 1024


def _passphrase_fd() -> int:
    read_fd, write_fd = os.pipe()
    os.write(write_fd, PASSPHRASE.encode() + b"\n")
    os.close(write_fd)
    return read_fd


def _timed_child(cmd: list[str], fd: int) -> tuple[float, int]:
    """Run cmd; return (seconds, peak RSS in KiB of the child and what it waited for)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, pass_fds=[fd], env=env, stdout=subprocess.DEVNULL)
    os.close(fd)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed with {proc.returncode}")
    return elapsed, usage.ru_maxrss


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5,
                        help="pairs of (open, gpg --decrypt), one right after the other")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="kring-bench-ws-", dir=args.workdir))
    try:
        home = GpgHome(work / "gnupg").ensure()
        (home.path / "gpg-agent.conf").write_text(f"s2k-count {FAST_S2K_COUNT}\n")
        key = generate_confidant_key(
            home, name="Bench", passphrase=PASSPHRASE, public_key_path=work / "key.asc"
        )
        public_key = key.public_key_path.read_text()
        server = GpgHome(work / "server").ensure()
        store = work / "item.gpg"
        plain_digest = hashlib.sha256()
        with store.open("wb") as out:
            encryptor = StreamEncryptor(server, [public_key], out, filename="big file.bin")
            for _ in range(args.size_mb):
                chunk = os.urandom(CHUNK)
                plain_digest.update(chunk)
                encryptor.write(chunk)
            encryptor.finish()
        bundle = work / "bundle.zip"
        today = dt.date.today()
        with bundle.open("wb") as out:
            write_bundle(out, "bench run", today, [BundleItem(1, "file", "reporter", today, store)])

        open_times, gpg_times, fsync_times, rss = [], [], [], 0
        for _ in range(args.repeat):
            target = work / "opened"
            home.kill_agent()
            fd = _passphrase_fd()
            seconds, peak = _timed_child(
                [
                    sys.executable,
                    "-m",
                    "kring.workstation.cli",
                    "--gnupg-home",
                    str(home.path),
                    "open",
                    str(bundle),
                    "--to",
                    str(target),
                    "--passphrase-fd",
                    str(fd),
                ],
                fd,
            )
            open_times.append(seconds)
            rss = max(rss, peak)
            opened = target / "bench-run" / "files" / "big file.bin"
            if _sha256(opened) != plain_digest.hexdigest():
                raise SystemExit("opened file differs from what was sent")
            shutil.rmtree(target)

            home.kill_agent()
            fd = _passphrase_fd()
            plain = work / "gpg-plain.bin"
            seconds, _ = _timed_child(
                home.args(
                    "--pinentry-mode",
                    "loopback",
                    "--passphrase-fd",
                    str(fd),
                    "--output",
                    str(plain),
                    "--decrypt",
                    str(store),
                ),
                fd,
            )
            gpg_times.append(seconds)
            # For the record: open also makes its output durable (fsync before the rename);
            # plain gpg leaves it in the page cache. The fsync of gpg's output is timed apart.
            started = time.perf_counter()
            fd = os.open(plain, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)
            fsync_times.append(time.perf_counter() - started)
            plain.unlink()
        home.kill_agent()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # The machine's speed drifts by tens of percent within a minute (shared host): each open
    # is compared with the gpg run right after it; the median of those paired ratios is the
    # figure, the times are medians too.
    ratios = sorted(o / g for o, g in zip(open_times, gpg_times, strict=True))
    durable = sorted(
        o / (g + f) for o, g, f in zip(open_times, gpg_times, fsync_times, strict=True)
    )
    open_s, gpg_s = statistics.median(open_times), statistics.median(gpg_times)
    print(f"open: {[round(t, 3) for t in open_times]}", file=sys.stderr)
    print(f"gpg --decrypt: {[round(t, 3) for t in gpg_times]}", file=sys.stderr)
    print(f"fsync of gpg's output: {[round(t, 3) for t in fsync_times]}", file=sys.stderr)
    print(f"paired ratios: {[round(r, 3) for r in ratios]}", file=sys.stderr)
    print(f"paired ratios against gpg + fsync: {[round(r, 3) for r in durable]} "
          f"(median {statistics.median(durable):.3f})", file=sys.stderr)
    print(
        json.dumps(
            {
                "size_mb": args.size_mb,
                "open_s": round(open_s, 3),
                "gpg_s": round(gpg_s, 3),
                "ratio": round(statistics.median(ratios), 3),
                "peak_rss_mb": round(rss / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
