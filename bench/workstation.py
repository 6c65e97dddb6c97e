"""Bench: `kring-workstation open` on a bundle with one N MB file vs plain `gpg --decrypt`.

    .venv/bin/python bench/workstation.py --size-mb 500

Makes a confidant key (cheap S2K), streams N MB of random data through the
server's StreamEncryptor into a store file, writes a bundle with the real
writer, then times `open` (as a separate process, so its peak RSS is its own)
and `gpg --decrypt` of the same ciphertext, in pairs (--repeat, default 5).
Checks the opened file's sha256.
Last line: JSON {"size_mb", "open_s", "gpg_s", "ratio", "peak_rss_mb"}.

    .venv/bin/python bench/workstation.py --size-mb 500 --app

also opens the same bundle in the desktop app (its own process, under an
Xvfb the bench starts, or Qt's offscreen platform without Xvfb): the window
is built, the bundle chosen, the passphrase typed into the field and Open
clicked; the process ends once the transcript is shown. Each repeat is then a
triple (CLI open, app open, gpg). Adds "app_s", "app_extra_s" (median of the
paired app - CLI differences, whole processes, Qt's start included),
"app_open_extra_s" (the app's Open click to transcript shown, minus the whole
CLI process) and "app_peak_rss_mb" to the JSON.
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
from kring_devkit.xvfb import XvfbUnavailable, start_xvfb  # noqa: E402

PASSPHRASE = "bench passphrase for kring"  # noqa: S105 - a throwaway bench key
CHUNK = 1024 * 1024


def _passphrase_fd() -> int:
    read_fd, write_fd = os.pipe()
    os.write(write_fd, PASSPHRASE.encode() + b"\n")
    os.close(write_fd)
    return read_fd


def _timed_child(
    cmd: list[str], fd: int, extra_env: dict[str, str] | None = None,
    output: list[str] | None = None,
) -> tuple[float, int]:
    """Run cmd; return (seconds, peak RSS in KiB of the child and what it waited for).

    With ``output``, the child's stdout is collected into it (else discarded)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(extra_env or {})}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, pass_fds=[fd], env=env,
                            stdout=subprocess.PIPE if output is not None else subprocess.DEVNULL)
    os.close(fd)
    if output is not None and proc.stdout is not None:
        output.append(proc.stdout.read().decode())
        proc.stdout.close()
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


def _app_child(home: Path, bundle: Path, target: Path, fd: int) -> None:
    """In the child: open ``bundle`` through the app's widgets; exit 0 once it is shown."""
    from PySide6.QtWidgets import QApplication

    from kring.workstation.app.window import MainWindow

    passphrase = os.read(fd, 4096).split(b"\n", 1)[0].decode()
    os.close(fd)
    started = time.perf_counter()
    app = QApplication(["kring-bench"])
    window = MainWindow(home=home, cases=target, language="en")
    window.show()
    app.processEvents()
    page = window.open_page
    failures: list[object] = []
    page.opened.connect(lambda _opened: app.quit())
    page.select_bundle(bundle)
    page.passphrase.setText(passphrase)
    clicked = time.perf_counter()
    page.start_open()
    assert page.job is not None
    page.job.failed.connect(lambda exc: (failures.append(exc), app.quit()))
    app.exec()
    shown = time.perf_counter()
    # For the parent: how long the window took to appear, and Open-click to transcript.
    print(json.dumps({"window_s": clicked - started, "open_in_app_s": shown - clicked}))
    if failures or window.stack.currentWidget() is not window.conversation_page:
        raise SystemExit(f"the app did not open the bundle: {failures}")


class _Display:
    """An Xvfb for the app children when Debian's xvfb is there, else Qt's offscreen."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.env: dict[str, str] = {"QT_QPA_PLATFORM": "offscreen"}
        try:
            self.proc, number = start_xvfb(first=600)
        except XvfbUnavailable:
            return
        self.env = {"DISPLAY": f":{number}", "QT_QPA_PLATFORM": "xcb"}

    def close(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait()


def main() -> None:
    if sys.argv[1:2] == ["--app-child"]:
        home, bundle, target, fd = sys.argv[2:6]
        _app_child(Path(home), Path(bundle), Path(target), int(fd))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5,
                        help="pairs of (open, gpg --decrypt), one right after the other")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--app", action="store_true",
                        help="also open each bundle in the desktop app (needs the app extra)")
    args = parser.parse_args()
    display = _Display() if args.app else None

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
        app_times: list[float] = []
        in_app: list[float] = []
        app_rss = 0
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

            if display is not None:
                home.kill_agent()
                fd = _passphrase_fd()
                said: list[str] = []
                seconds, peak = _timed_child(
                    [sys.executable, str(Path(__file__).resolve()), "--app-child",
                     str(home.path), str(bundle), str(target), str(fd)],
                    fd,
                    display.env,
                    said,
                )
                app_times.append(seconds)
                in_app.append(json.loads(said[0].strip().splitlines()[-1])["open_in_app_s"])
                app_rss = max(app_rss, peak)
                if _sha256(opened) != plain_digest.hexdigest():
                    raise SystemExit("the file the app opened differs from what was sent")
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
        if display is not None:
            display.close()
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
    figures = {
        "size_mb": args.size_mb,
        "open_s": round(open_s, 3),
        "gpg_s": round(gpg_s, 3),
        "ratio": round(statistics.median(ratios), 3),
        "peak_rss_mb": round(rss / 1024, 1),
    }
    if app_times:
        extra = [a - o for a, o in zip(app_times, open_times, strict=True)]
        click_extra = [a - o for a, o in zip(in_app, open_times, strict=True)]
        print(f"in the app, Open click to transcript: {[round(t, 3) for t in in_app]}",
              file=sys.stderr)
        print(f"app: {[round(t, 3) for t in app_times]} (display: {display and display.env})",
              file=sys.stderr)
        print(f"app - CLI, paired: {[round(e, 3) for e in extra]}", file=sys.stderr)
        figures |= {
            "app_s": round(statistics.median(app_times), 3),
            "app_extra_s": round(statistics.median(extra), 3),
            "app_open_extra_s": round(statistics.median(click_extra), 3),
            "app_peak_rss_mb": round(app_rss / 1024, 1),
        }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
