#!/usr/bin/env python3
"""Benchmark: source_ui (and journalist_ui) under hostile traffic, on loopback only.

Starts both apps under gunicorn on 127.0.0.1 with a fresh instance and runs,
one after the other, each bounded in count and time:

- slow: --slow connections upload at 1 KB/s each while the landing page is
  timed and a normal reporter goes codename -> submission -> login;
- flood: new-codename requests from twice as many clients as the derivation
  pool admits, while pages are timed and a real reporter logs in;
- guessing: 10 wrong well-formed codenames a second while a real reporter
  logs in four times (the limit per codename is five a minute);
- fuzz: --fuzz hostile form posts over both apps (random fields, lengths,
  content types, truncated and oversized bodies), counting 5xx answers and
  connections closed without an answer.

Not run here (yet): 200 concurrent reporters for 60 s, and 20 worker kills
during uploads; their keys are null. Figures first, then a JSON last line.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import random
import re
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.upload import make_key  # noqa: E402
from kring.core.codenames import generate_codename  # noqa: E402
from kring.core.confidants import add_confidant  # noqa: E402
from kring.core.context import build_context  # noqa: E402
from kring.core.instance import init_instance  # noqa: E402
from kring.devtools.multipart import MultipartBody, repeating_chunks  # noqa: E402
from kring.devtools.rawhttp import NoAnswer, Reader, request_head, start_trickle  # noqa: E402
from kring.devtools.servers import RunningServer, run_gunicorn  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_TOKEN_RE = re.compile(r'name="form_token" value="([^"]+)"')
WORD_RE = re.compile(r"<span>([a-z-]+)</span>")


def p95(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def timed_get(url: str, timeout: float = 10) -> float:
    started = time.monotonic()
    try:
        requests.get(url, timeout=timeout).raise_for_status()
    except requests.RequestException:
        return timeout
    return time.monotonic() - started


def new_reporter(server: RunningServer) -> tuple[requests.Session, str]:
    browser = requests.Session()
    page = browser.get(server.url + "/en/codename", timeout=60)
    page.raise_for_status()
    return browser, " ".join(WORD_RE.findall(page.text))


def submit(browser: requests.Session, server: RunningServer, message: str) -> bool:
    form = browser.get(server.url + "/en/submit", timeout=60).text
    csrf = CSRF_RE.search(form)
    if csrf is None:
        return False
    fields = {"csrf_token": csrf.group(1), "recipient": "all", "path": "advice",
              "category": "", "message": message}
    token = FORM_TOKEN_RE.search(form)
    if token:
        fields["form_token"] = token.group(1)
    sent = browser.post(server.url + "/en/submit",
                        files={k: (None, v) for k, v in fields.items()}, timeout=120)
    return sent.status_code == 200 and "Your conversation" in sent.text


def login(server: RunningServer, codename: str) -> tuple[int, float]:
    browser = requests.Session()
    page = browser.get(server.url + "/en/login", timeout=30).text
    started = time.monotonic()
    answer = browser.post(
        server.url + "/en/login",
        data={"codename": codename, "csrf_token": CSRF_RE.search(page).group(1)},  # type: ignore[union-attr]
        timeout=60,
    )
    ok = answer.status_code == 200 and "Your conversation" in answer.text
    return (200 if ok else answer.status_code), time.monotonic() - started


def reporter_flow(server: RunningServer) -> bool:
    browser, codename = new_reporter(server)
    return submit(browser, server, "a normal report") and login(server, codename)[0] == 200


def scenario_slow(server: RunningServer, count: int, hold_s: float) -> dict[str, object]:
    browser, _ = new_reporter(server)
    cookie = browser.cookies["kring_source"]
    form = browser.get(server.url + "/en/submit", timeout=60).text
    csrf = CSRF_RE.search(form).group(1)  # type: ignore[union-attr]
    conns: list[tuple[socket.socket, MultipartBody]] = []
    stop = threading.Event()
    for _ in range(count):
        body = MultipartBody(
            [("csrf_token", csrf), ("recipient", "all"), ("path", "advice"),
             ("category", ""), ("message", "slow")],
            [("files", "slow.bin", 50_000_000, repeating_chunks(50_000_000))],
        )
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        sock.sendall(request_head("POST", "/en/submit", headers={
            "Content-Type": body.content_type, "Cookie": f"kring_source={cookie}"},
            length=len(body)) + body.read(1000))
        conns.append((sock, body))

    start_trickle(conns, stop, every_s=0.2, size=200)  # 1 KB/s each, fewer sends
    try:
        time.sleep(2)
        info = []
        deadline = time.monotonic() + hold_s
        while time.monotonic() < deadline:
            info.append(timed_get(server.url + "/en/"))
            time.sleep(0.1)
        submission_ok = reporter_flow(server)
        still_open = 0
        for sock, _ in conns:
            sock.setblocking(False)
            try:
                still_open += sock.recv(1) == b""  # closed by the server: not counted
                still_open -= 1
            except BlockingIOError:
                still_open += 1  # nothing to read: still uploading
            except OSError:
                pass
    finally:
        stop.set()
        for sock, _ in conns:
            sock.close()
    return {"slow_connections": still_open, "info_p95_ms": round(p95(info) * 1000, 1),
            "submission_ok": submission_ok}


def scenario_flood(server: RunningServer, clients: int, seconds: float) -> dict[str, object]:
    browser, codename = new_reporter(server)
    assert submit(browser, server, "before the flood")
    stop = threading.Event()
    busy: list[float] = []
    made = [0]

    def flood() -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                answer = requests.get(server.url + "/en/codename", timeout=30)
            except requests.RequestException:
                continue
            if answer.status_code == 503:
                busy.append(time.monotonic() - started)
            elif answer.status_code == 200:
                made[0] += 1

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        for _ in range(clients):
            pool.submit(flood)
        try:
            time.sleep(1)
            info = []
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                info.append(timed_get(server.url + "/en/"))
                time.sleep(0.1)
            status, _ = login(server, codename)
        finally:
            stop.set()
    return {"flood_clients": clients, "flood_info_p95_ms": round(p95(info) * 1000, 1),
            "busy_answer_p95_s": round(p95(busy), 3), "flood_busy": len(busy),
            "flood_codenames_made": made[0], "flood_login_ok": status == 200}


def scenario_guessing(server: RunningServer, seconds: float) -> dict[str, object]:
    browser, codename = new_reporter(server)
    assert submit(browser, server, "before the guessing")
    stop = threading.Event()
    guesses = [0]

    def guess() -> None:  # 10 a second
        while not stop.wait(0.1):
            with contextlib.suppress(requests.RequestException):
                requests.post(server.url + "/en/login",
                              data={"codename": generate_codename("en")}, timeout=10)
                guesses[0] += 1

    thread = threading.Thread(target=guess, daemon=True)
    thread.start()
    try:
        time.sleep(2)
        # A reporter comes back a few times (the limit per codename is 5 a minute).
        results = []
        for _ in range(4):
            results.append(login(server, codename))
            time.sleep(seconds / 4)
    finally:
        stop.set()
        thread.join(5)
    return {"guesses": guesses[0], "guessing_real_login_ok": results[0][0] == 200
            and all(s == 200 for s, _ in results),
            "real_login_p95_s": round(p95([t for _, t in results]), 3)}


def _hostile_body(rng: random.Random) -> tuple[dict[str, str], bytes, int]:
    """Headers, the bytes sent, and the Content-Length declared (may lie)."""
    kind = rng.randrange(6)
    fields = {rng.choice(["codename", "csrf_token", "recipient", "message", "path", "x" * 50,
                          "files", "confirm", "form_token", ""]): rng.choice(
        ["", "a" * rng.randrange(1, 5000), "\x00\xff", "../../etc/passwd", "<script>",
         " ".join(generate_codename("en").split()[:rng.randrange(8)]), "é" * 300])
              for _ in range(rng.randrange(1, 6))}
    if kind == 0:  # urlencoded, maybe with bytes that are not UTF-8
        body = "&".join(f"{k}={v}" for k, v in fields.items()).encode("utf-8", "replace")
        if rng.random() < 0.3:
            body += bytes(rng.randrange(256) for _ in range(20))
        return {"Content-Type": "application/x-www-form-urlencoded"}, body, len(body)
    if kind == 1:  # multipart, maybe with a broken boundary or a file part
        boundary = "b" + str(rng.randrange(10**9))
        parts = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode(
                "utf-8", "replace") for k, v in fields.items())
        if rng.random() < 0.5:
            parts += (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                      f'filename="{rng.choice(["a.txt", "", "../x", "a/b"])}"\r\n\r\n').encode()
            parts += b"z" * rng.randrange(0, 100_000) + b"\r\n"
        if rng.random() < 0.7:
            parts += f"--{boundary}--\r\n".encode()
        ctype = rng.choice([f"multipart/form-data; boundary={boundary}",
                            "multipart/form-data", f"multipart/form-data; boundary=zz{boundary}"])
        return {"Content-Type": ctype}, parts, len(parts)
    if kind == 2:  # declared longer than sent: the client stops short
        body = b"codename=abc"
        return {"Content-Type": "application/x-www-form-urlencoded"}, body, len(body) + 10
    if kind == 3:  # a big body to a page that reads none
        body = b"q" * rng.randrange(70_000, 400_000)
        return {"Content-Type": "application/octet-stream"}, body, len(body)
    if kind == 4:  # odd content types
        body = json.dumps(fields).encode()
        return {"Content-Type": rng.choice(["application/json", "text/plain", "", "multipart/"
                                            "mixed"])}, body, len(body)
    body = b""
    return {}, body, 0


def scenario_fuzz(servers: list[tuple[RunningServer, list[str]]], count: int,
                  seconds: float) -> dict[str, object]:
    rng = random.Random(12)
    lock = threading.Lock()
    counts = {"posts": 0, "5xx": 0, "dropped": 0}
    deadline = time.monotonic() + seconds

    def worker(seed: int) -> None:
        local = random.Random(seed)
        while time.monotonic() < deadline:
            with lock:
                if counts["posts"] >= count:
                    return
                counts["posts"] += 1
            server, paths = local.choice(servers)
            headers, body, declared = _hostile_body(local)
            path = local.choice(paths)
            try:
                with socket.create_connection(("127.0.0.1", server.port), timeout=15) as sock:
                    sock.sendall(request_head("POST", path, headers=headers, length=declared)
                                 + body)
                    if declared > len(body):
                        sock.shutdown(socket.SHUT_WR)  # the client gives up mid-body
                    reader = Reader(sock)
                    answer = reader.answer()
                    if answer.status >= 500 and not (declared > len(body)):
                        with lock:
                            counts["5xx"] += 1
                    if answer.keep_alive and declared == len(body):
                        # The connection said it stays: the next request must be answered.
                        sock.sendall(request_head("GET", "/"))
                        reader.answer()
            except (NoAnswer, ConnectionResetError, BrokenPipeError, TimeoutError):
                if declared == len(body):  # a client that lied about the length may be cut
                    with lock:
                        counts["dropped"] += 1
            except OSError:
                with lock:
                    counts["dropped"] += 1

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(worker, [rng.randrange(10**9) for _ in range(16)]))
    return {"fuzz_posts": counts["posts"], "fuzz_5xx": counts["5xx"],
            "fuzz_dropped": counts["dropped"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--hold", type=float, default=10.0)
    parser.add_argument("--fuzz", type=int, default=10_000)
    parser.add_argument("--fuzz-seconds", type=float, default=180.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kring-attack-") as tmp:
        root = Path(tmp)
        settings = init_instance(root / "instance", organisation_name="Under attack")
        ctx = build_context(settings)
        add_confidant(ctx, display_name="Anna", public_key=make_key(root / "gpg"))
        pool = ctx.kdf_pool.size
        ctx.engine.dispose()
        run: Callable[..., contextlib.AbstractContextManager[RunningServer]] = run_gunicorn
        with run("kring.source_ui.wsgi:app", root / "instance", log_path=root / "s.log") as src, \
             run("kring.journalist_ui.wsgi:app", root / "instance", log_path=root / "j.log") as jn:
            result: dict[str, object] = {"kdf_workers": pool.workers, "kdf_queue": pool.queue}
            steps: list[tuple[str, Callable[[], dict[str, object]]]] = [
                ("slow", lambda: scenario_slow(src, args.slow, args.hold)),
                ("flood", lambda: scenario_flood(src, 2 * (pool.workers + pool.queue), 10)),
                ("guessing", lambda: scenario_guessing(src, 10)),
                ("fuzz", lambda: scenario_fuzz(
                    [(src, ["/en/login", "/en/submit", "/en/codename", "/en/delete",
                            "/en/logout", "/nl/login"]),
                     (jn, ["/en/login", "/en/login/totp", "/en/admin/settings"])],
                    args.fuzz, args.fuzz_seconds)),
            ]
            for name, step in steps:
                started = time.monotonic()
                figures = step()
                print(f"{name} ({time.monotonic() - started:.0f} s): "
                      + ", ".join(f"{k}={v}" for k, v in figures.items()), flush=True)
                result.update(figures)
    result.update({"load_errors": None, "load_lost": None, "load_info_p95_ms": None,
                   "kill_rows_without_blob": None, "kill_partials_left": None})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
