#!/usr/bin/env python3
"""Benchmark: a large submission through gunicorn vs. gpg alone, side by side.

Starts source_ui under gunicorn on loopback with a fresh instance, streams a
generated file of --size-mb MB as a multipart submission, and in the same run
times `gpg --sign --encrypt --compress-algo none` of the same file to the same key
(every reporter item is signed with the reporter's Ed25519 key inside the
encryption, so the floor signs too, with an Ed25519 key).
The last line is JSON:
{"size_mb": …, "upload_s": …, "gpg_s": …, "ratio": …, "peak_rss_mb": …}
(peak_rss_mb: the gunicorn worker's VmHWM over the upload request; it is reset
just before the upload, because getting a codename runs argon2id with 64 MiB
in the same worker, a peak that belongs to logins, not to uploads).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kring.core.accounts.confidants import add_confidant  # noqa: E402
from kring.core.context import build_context  # noqa: E402
from kring.core.instance import init_instance  # noqa: E402
from kring.crypto.gpg import GpgHome  # noqa: E402
from kring_devkit.multipart import MultipartBody  # noqa: E402
from kring_devkit.servers import run_gunicorn  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
CHUNK = 1024 * 1024


def make_key(home_dir: Path) -> str:
    home = GpgHome(home_dir).ensure()
    params = (
        "%no-protection\nKey-Type: EDDSA\nKey-Curve: ed25519\nSubkey-Type: ECDH\n"
        "Subkey-Curve: cv25519\nName-Real: Bench\nExpire-Date: 0\n%commit\n"
    )
    home.run(["--gen-key"], input_bytes=params.encode())
    return home.run(["--armor", "--export"]).stdout.decode()


def make_file(path: Path, size_mb: int) -> None:
    block = os.urandom(CHUNK)
    with path.open("wb") as handle:
        for i in range(size_mb):
            handle.write(block[i % 7 :] + block[: i % 7])


def time_gpg(work: Path, public_key_file: Path, data: Path) -> float:
    # Signs with the bench key in work/confidant (Ed25519, like a reporter's key).
    home = GpgHome(work / "confidant").ensure()
    out = work / "gpg-out.gpg"
    started = time.perf_counter()
    subprocess.run(
        home.args("--sign", "--encrypt", "--compress-algo", "none", "--recipient-file",
                  str(public_key_file), "--yes", "-o", str(out), str(data)),
        check=True,
    )
    elapsed = time.perf_counter() - started
    out.unlink()
    return elapsed


def file_chunks(path: Path):  # type: ignore[no-untyped-def]
    def source():  # type: ignore[no-untyped-def]
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    return source


def send_body(sock: socket.socket, body: MultipartBody, data: Path) -> None:
    """Send the body, the file's bytes with sendfile(2).

    The client shares this machine's two cores with the server and gpg; a Python loop
    reading and sending 1 MiB at a time costs ~0.6 s of CPU per 500 MiB that a real
    reporter's browser spends on its own machine. sendfile keeps the client's share to
    the kernel's copy into the socket, like curl's.
    """
    for segment in body.segments():
        if isinstance(segment, bytes):
            sock.sendall(segment)
        else:
            with data.open("rb") as handle:
                sock.sendfile(handle)


def reset_peak_rss(pids: list[int]) -> None:
    """Reset VmHWM, so the peak measured is the upload's, not the codename's argon2id."""
    for pid in pids:
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def time_upload(base_url: str, port: int, data: Path, workers: list[int]) -> float:
    browser = requests.Session()
    browser.get(base_url + "/en/codename", timeout=60)
    csrf = CSRF_RE.search(browser.get(base_url + "/en/submit", timeout=60).text).group(1)  # type: ignore[union-attr]
    cookie = browser.cookies.get("kring_source")
    reset_peak_rss(workers)
    body = MultipartBody(
        [("csrf_token", csrf), ("recipient", "all"), ("path", "just_talk"),
         ("category", ""), ("message", "bench")],
        [("files", "bench.bin", data.stat().st_size, file_chunks(data))],
    )
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600, blocksize=CHUNK)
    started = time.perf_counter()
    conn.putrequest("POST", "/en/submit")
    conn.putheader("Cookie", f"kring_source={cookie}")
    conn.putheader("Content-Type", body.content_type)
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders()
    assert conn.sock is not None
    send_body(conn.sock, body, data)
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    if response.status != 302:
        raise SystemExit(f"upload failed with HTTP {response.status}")
    return elapsed


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5,
                        help="pairs of (gpg alone, upload), run one after the other")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kring-bench-") as tmp:
        work = Path(tmp)
        instance = work / "instance"
        settings = init_instance(instance, organisation_name="Bench")
        public_key = make_key(work / "confidant")
        key_file = work / "confidant.asc"
        key_file.write_text(public_key)
        ctx = build_context(settings)
        add_confidant(ctx, display_name="Bench", public_key=public_key)
        ctx.engine.dispose()
        data = work / "data.bin"
        make_file(data, args.size_mb)
        gpg_times, upload_times = [], []
        # The file is N MiB; let the instance accept it whatever its default limit.
        limit = {"KRING_MAX_SUBMISSION_BYTES": str(args.size_mb * CHUNK + 10 * CHUNK)}
        with run_gunicorn(
            "kring.source_ui.wsgi:app", instance, log_path=work / "log", env=limit
        ) as server:
            workers = server.worker_pids()
            peaks = []
            for _ in range(args.runs):
                gpg_times.append(time_gpg(work, key_file, data))
                upload_times.append(time_upload(server.url, server.port, data, workers))
                peaks.append(max(peak_rss_mb(pid) for pid in workers))
            rss = max(peaks)
    # The machine's speed drifts by tens of percent within a minute (shared host): each
    # upload is compared with the gpg run just before it, and the median of those paired
    # ratios is reported; the times are the medians too.
    ratios = sorted(u / g for u, g in zip(upload_times, gpg_times, strict=True))
    print(f"gpg --sign --encrypt alone: {[round(t, 3) for t in gpg_times]}")
    print(f"upload through gunicorn: {[round(t, 3) for t in upload_times]}")
    print(f"paired ratios: {[round(r, 3) for r in ratios]}")
    print(json.dumps({
        "size_mb": args.size_mb,
        "upload_s": round(statistics.median(upload_times), 3),
        "gpg_s": round(statistics.median(gpg_times), 3),
        "ratio": round(statistics.median(ratios), 3),
        "peak_rss_mb": round(rss, 1),
    }))


if __name__ == "__main__":
    main()
