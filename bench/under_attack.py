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

- heads: --heads connections each trickle a request head at one byte every
  5 s (never silent long enough for the 30 s read timeout) while the landing
  page is timed; each must get the 408 of the 20 s head deadline.

- load: --load-reporters reporters at once for --load-seconds, each going
  codename -> submission again and again (a busy page is waited out, as the
  page asks, and counted apart), while the landing page is timed; then every
  submission is looked for by logging in with its codename;
- kill: --kills times, uploads are streaming into a fresh worker when it is
  SIGKILLed; a minute after each restart no partial file of the killed
  uploads is left, and at the end every item row has its file.

load and kill each get a source_ui of their own (a worker of kill's is killed;
load's allows as many logins a minute as the check after it needs). --only
picks scenarios. Figures first, then a JSON last line; a scenario not run has
null keys.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import os
import random
import re
import signal
import socket
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.upload import make_key  # noqa: E402
from kring.core.accounts.confidants import add_confidant  # noqa: E402
from kring.core.codenames.phrases import generate_codename  # noqa: E402
from kring.core.context import build_context  # noqa: E402
from kring.core.instance import init_instance  # noqa: E402
from kring.core.storage.store import TEMP_PREFIX  # noqa: E402
from kring_devkit.multipart import MultipartBody, repeating_chunks  # noqa: E402
from kring_devkit.rawhttp import NoAnswer, Reader, request_head, start_trickle  # noqa: E402
from kring_devkit.servers import (  # noqa: E402
    RunningServer,
    run_gunicorn,
    wait_until_answering,
)

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
    return submit_answer(browser, server, message) == 200


def submit_answer(browser: requests.Session, server: RunningServer, message: str) -> int:
    """200 when stored and the conversation shown, else the status (0: no form)."""
    form = browser.get(server.url + "/en/submit", timeout=60).text
    csrf = CSRF_RE.search(form)
    if csrf is None:
        return 0
    fields = {"csrf_token": csrf.group(1), "recipient": "all", "path": "advice",
              "category": "", "message": message}
    token = FORM_TOKEN_RE.search(form)
    if token:
        fields["form_token"] = token.group(1)
    sent = browser.post(server.url + "/en/submit",
                        files={k: (None, v) for k, v in fields.items()}, timeout=120)
    if sent.status_code == 200 and "Your conversation" not in sent.text:
        return -1
    return sent.status_code


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
    # A returning reporter: a first submission's key pair is made in the bounded
    # pool, so 200 first submissions at once from one codename would (rightly)
    # be turned away as busy; here the slow connections are what is measured.
    assert submit(browser, server, "before the slow uploads")
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


def scenario_load(server: RunningServer, reporters: int, seconds: float) -> dict[str, object]:
    """``reporters`` new reporters at once for ``seconds``; then each submission looked for."""
    stop = threading.Event()
    lock = threading.Lock()
    sent: list[str] = []
    counts = {"errors": 0, "busy": 0}
    reasons: dict[str, int] = {}

    def one_reporter() -> None:
        while not stop.is_set():
            try:
                browser = requests.Session()
                page = browser.get(server.url + "/en/codename", timeout=60)
                if page.status_code == 503:  # the designed busy page: wait, as it asks
                    with lock:
                        counts["busy"] += 1
                    stop.wait(2)
                    continue
                page.raise_for_status()
                codename = " ".join(WORD_RE.findall(page.text))
                status = submit_answer(browser, server, "a report under load")
                while status == 503 and not stop.is_set():  # busy: the text is kept, send again
                    with lock:
                        counts["busy"] += 1
                    stop.wait(2)
                    status = submit_answer(browser, server, "a report under load")
                if status == 200:
                    with lock:
                        sent.append(codename)
                    continue
                if status == 503:
                    continue  # still busy when the run ended: not sent, not lost
                why = f"submission answered {status}"
            except requests.RequestException as exc:
                why = type(exc).__name__
            with lock:
                counts["errors"] += 1
                reasons[why] = reasons.get(why, 0) + 1

    info: list[float] = []
    with concurrent.futures.ThreadPoolExecutor(reporters) as pool:
        futures = [pool.submit(one_reporter) for _ in range(reporters)]
        try:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                info.append(timed_get(server.url + "/en/"))
                time.sleep(0.2)
        finally:
            stop.set()
        for future in futures:
            future.result()

    def found(codename: str) -> bool:
        for _ in range(5):  # a busy login page is waited out, as it asks
            status, _ = login(server, codename)
            if status != 503:
                return status == 200
            time.sleep(2)
        return False

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        lost = sum(not ok for ok in pool.map(found, sent))
    return {"load_reporters": reporters, "load_submissions": len(sent),
            "load_busy": counts["busy"], "load_errors": counts["errors"], "load_lost": lost,
            "load_info_p95_ms": round(p95(info) * 1000, 1),
            "load_error_kinds": reasons}


def _stream_upload(server: RunningServer, cookie: str, csrf: str, stop: threading.Event) -> None:
    """Send a 200 MB submission as fast as loopback takes it, until stopped or cut."""
    body = MultipartBody(
        [("csrf_token", csrf), ("recipient", "all"), ("path", "advice"),
         ("category", ""), ("message", "killed")],
        [("files", "big.bin", 200_000_000, repeating_chunks(200_000_000))],
    )
    with contextlib.suppress(OSError), socket.create_connection(
        ("127.0.0.1", server.port), timeout=10
    ) as sock:
        sock.sendall(request_head("POST", "/en/submit", headers={
            "Content-Type": body.content_type, "Cookie": f"kring_source={cookie}"},
            length=len(body)))
        while not stop.is_set():
            chunk = body.read(256 * 1024)
            if not chunk:
                return
            sock.sendall(chunk)


def _partials(store: Path) -> set[Path]:
    return {p for p in store.rglob(f"{TEMP_PREFIX}*") if p.is_file()}


def _rows_without_blob(instance: Path) -> int:
    with contextlib.closing(sqlite3.connect(instance / "kring.sqlite")) as db:
        rows = db.execute(
            "SELECT reporters.lookup_id, items.blob_name FROM items"
            " JOIN reporters ON reporters.id = items.reporter_id"
            " WHERE items.blob_name IS NOT NULL"
        ).fetchall()
    return sum(not (instance / "store" / lookup / blob).is_file() for lookup, blob in rows)


def scenario_kill(server: RunningServer, instance: Path, kills: int,
                  uploads: int = 3) -> dict[str, object]:
    """``kills`` SIGKILLs of the worker while ``uploads`` big uploads stream in."""
    store = instance / "store"
    checks: list[tuple[float, set[Path]]] = []  # (when to look, partials of a killed round)
    left = 0
    killed_mid_upload = 0
    sent_between = 0

    def due_checks(now: float) -> int:
        late = 0
        while checks and checks[0][0] <= now:
            _, partials = checks.pop(0)
            late += sum(p.exists() for p in partials)
        return late

    for _ in range(kills):
        # A reporter who sends a message that is stored, and uploads that will be cut.
        browser, _codename = new_reporter(server)
        sent_between += submit(browser, server, "stored before the kill")
        form = browser.get(server.url + "/en/submit", timeout=60).text
        csrf = CSRF_RE.search(form).group(1)  # type: ignore[union-attr]
        stop = threading.Event()
        threads = [threading.Thread(target=_stream_upload, daemon=True,
                                    args=(server, browser.cookies["kring_source"], csrf, stop))
                   for _ in range(uploads)]
        before = _partials(store)  # an earlier round's, not swept yet
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while len(_partials(store) - before) < uploads and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # a few MB into each
        partials = _partials(store) - before
        killed_mid_upload += len(partials)
        (worker,) = server.worker_pids()
        os.kill(worker, signal.SIGKILL)
        stop.set()
        for thread in threads:
            thread.join(15)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.worker_pids() in ([], [worker]):
            time.sleep(0.1)
        wait_until_answering(server.url + "/en/")
        checks.append((time.monotonic() + 60, partials))
        left += due_checks(time.monotonic())
    if checks:
        time.sleep(max(0.0, checks[-1][0] - time.monotonic()))
    left += due_checks(time.monotonic())
    return {"kills": kills, "kill_partials_cut": killed_mid_upload,
            "kill_messages_stored": sent_between,
            "kill_rows_without_blob": _rows_without_blob(instance),
            "kill_partials_left": left}


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


def scenario_heads(server: RunningServer, count: int, every_s: float = 5.0) -> dict[str, object]:
    """Slowloris: heads that never end, each byte sent just inside the read timeout."""
    head = request_head("GET", "/en/", headers={f"X-Pad-{i}": "a" * 40 for i in range(40)})
    socks = [socket.create_connection(("127.0.0.1", server.port), timeout=60)
             for _ in range(count)]
    started = time.monotonic()
    for sock in socks:
        sock.sendall(head[:1])
    stop = threading.Event()

    def trickle() -> None:
        sent = 1
        while not stop.wait(every_s) and sent < len(head):
            for sock in socks:
                with contextlib.suppress(OSError):
                    sock.sendall(head[sent:sent + 1])
            sent += 1

    def cut_off(sock: socket.socket) -> tuple[int, float]:
        try:
            status = Reader(sock).answer().status
        except (NoAnswer, OSError):
            status = 0
        return status, time.monotonic() - started

    threading.Thread(target=trickle, daemon=True).start()
    info: list[float] = []
    try:
        with concurrent.futures.ThreadPoolExecutor(count) as pool:
            answers = [pool.submit(cut_off, sock) for sock in socks]
            while not all(a.done() for a in answers) and time.monotonic() - started < 60:
                info.append(timed_get(server.url + "/en/"))
                time.sleep(0.2)
            results = [a.result() for a in answers]
    finally:
        stop.set()
        for sock in socks:
            sock.close()
    return {
        "heads": count,
        "heads_408": sum(1 for status, _ in results if status == 408),
        "heads_cut_p95_s": round(p95([took for _, took in results]), 1),
        "heads_info_p95_ms": round(p95(info) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--hold", type=float, default=10.0)
    parser.add_argument("--heads", type=int, default=200)
    parser.add_argument("--fuzz", type=int, default=10_000)
    parser.add_argument("--fuzz-seconds", type=float, default=180.0)
    parser.add_argument("--load-reporters", type=int, default=200)
    parser.add_argument("--load-seconds", type=float, default=60.0)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--only", default="slow,flood,guessing,heads,fuzz,load,kill",
                        help="comma-separated scenarios to run")
    args = parser.parse_args()
    only = set(args.only.split(","))
    result: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="kring-attack-") as tmp:
        root = Path(tmp)
        key = make_key(root / "gpg")

        def instance(name: str) -> Path:
            settings = init_instance(root / name, organisation_name="Under attack")
            ctx = build_context(settings)
            add_confidant(ctx, display_name="Anna", public_key=key)
            pool = ctx.kdf_pool.size
            result.update({"kdf_workers": pool.workers, "kdf_queue": pool.queue})
            ctx.engine.dispose()
            return root / name

        def report(name: str, step: Callable[[], dict[str, object]]) -> None:
            started = time.monotonic()
            figures = step()
            print(f"{name} ({time.monotonic() - started:.0f} s): "
                  + ", ".join(f"{k}={v}" for k, v in figures.items()), flush=True)
            result.update(figures)

        run: Callable[..., contextlib.AbstractContextManager[RunningServer]] = run_gunicorn
        if only & {"slow", "flood", "guessing", "heads", "fuzz"}:
            shared = instance("instance")
            with run("kring.source_ui.wsgi:app", shared, log_path=root / "s.log") as src, \
                 run("kring.journalist_ui.wsgi:app", shared, log_path=root / "j.log") as jn:
                workers, queue = int(result["kdf_workers"]), int(result["kdf_queue"])  # type: ignore[call-overload]
                steps: list[tuple[str, Callable[[], dict[str, object]]]] = [
                    ("slow", lambda: scenario_slow(src, args.slow, args.hold)),
                    ("flood", lambda: scenario_flood(src, 2 * (workers + queue), 10)),
                    ("guessing", lambda: scenario_guessing(src, 10)),
                    ("heads", lambda: scenario_heads(src, args.heads)),
                    ("fuzz", lambda: scenario_fuzz(
                        [(src, ["/en/login", "/en/submit", "/en/codename", "/en/delete",
                                "/en/logout", "/nl/login"]),
                         (jn, ["/en/login", "/en/login/totp", "/en/admin/settings"])],
                        args.fuzz, args.fuzz_seconds)),
                ]
                for name, step in steps:
                    if name in only:
                        report(name, step)
        if "load" in only:
            # The check logs in once per submission: more than the 120 a minute allowed.
            env = {"KRING_LOGIN_ATTEMPTS_GLOBAL_PER_MINUTE": "100000"}
            load_dir = instance("load")
            with run("kring.source_ui.wsgi:app", load_dir, log_path=root / "load.log",
                     env=env) as src:
                report("load", lambda: scenario_load(src, args.load_reporters,
                                                     args.load_seconds))
        if "kill" in only:
            kill_dir = instance("kill")
            with run("kring.source_ui.wsgi:app", kill_dir, log_path=root / "kill.log") as src:
                report("kill", lambda: scenario_kill(src, kill_dir, args.kills))
    for missing in ("heads_408", "load_errors", "load_lost", "load_info_p95_ms",
                    "kill_rows_without_blob", "kill_partials_left"):
        result.setdefault(missing, None)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
