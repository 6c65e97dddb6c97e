"""The whole drop over Tor: every HTTP request below goes through the client's SOCKS port.

A reporter gets a codename and submits a message and a file; the demo confidant,
holding a Tor client key, logs in to journalist_ui's onion and downloads the
bundle; the workstation opens it; the confidant replies; the reporter comes
back with the codename and reads the reply. (That journalist_ui's onion
refuses clients without a key, or with a revoked one, is proven in tests/onion.)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pyotp
import pytest

from kring_devkit.demo import RunningDrop, read_demo_account
from kring_devkit.multipart import MultipartBody, repeating_chunks
from tests.e2e.conftest import tor_session

pytestmark = pytest.mark.tor

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, html[:500]
    return match.group(1)


def test_reporter_to_confidant_and_back_over_tor(drop: RunningDrop, tmp_path: Path) -> None:
    source = f"http://{drop.source_onion}"
    journalist = f"http://{drop.journalist_onion}"

    # Reporter: codename, message and a file.
    reporter = tor_session(drop)
    page = reporter.get(source + "/en/codename", timeout=120).text
    codename = " ".join(re.findall(r"<span>([a-z-]+)</span>", page))
    assert len(codename.split()) == 7
    form = reporter.get(source + "/en/submit", timeout=120).text
    file_size = 3 * 1024 * 1024
    data_source = repeating_chunks(file_size)
    body = MultipartBody(
        [
            ("csrf_token", csrf(form)),
            ("recipient", "all"),
            ("path", "wrongdoing"),
            ("category", "integrity"),
            ("message", "Invoices are being falsified."),
        ],
        [("files", "ledger.xlsx", file_size, data_source)],
    )
    sent = reporter.post(
        source + "/en/submit",
        data=body,
        headers={"Content-Type": body.content_type, "Content-Length": str(len(body))},
        allow_redirects=False,
        timeout=300,
    )
    assert sent.status_code == 302, sent.text[:500]

    # Confidant: log in over the client-authorised onion with password and TOTP.
    account = read_demo_account(drop.instance_dir)
    confidant = tor_session(drop)
    login = confidant.get(journalist + "/en/login", timeout=120).text
    response = confidant.post(
        journalist + "/en/login",
        data={
            "csrf_token": csrf(login),
            "username": account["username"],
            "password": account["password"],
            "totp": pyotp.TOTP(account["totp secret"]).now(),
        },
        timeout=120,
    )
    assert response.status_code == 200, response.text[:500]
    slug = re.search(r'href="/en/c/([^"]+)"', response.text)
    assert slug, response.text[:1000]
    conversation_url = f"{journalist}/en/c/{slug.group(1)}"

    bundle = confidant.get(conversation_url + "/bundle.zip", timeout=300)
    assert bundle.status_code == 200
    bundle_path = tmp_path / "bundle.zip"
    bundle_path.write_bytes(bundle.content)
    assert zipfile.is_zipfile(bundle_path)

    # Workstation: open the bundle with the demo confidant's private key.
    out = tmp_path / "opened"
    opened = subprocess.run(
        [
            str(Path(sys.executable).with_name("kring-workstation")),
            "open",
            str(bundle_path),
            "--to",
            str(out),
            # The demo key has no passphrase; gpg ignores the one given.
            "--passphrase-fd",
            "0",
        ],
        env={**os.environ, "KRING_GNUPGHOME": str(drop.demo_key_home)},
        input="demo\n",
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert opened.returncode == 0, opened.stdout + opened.stderr
    # Every reporter item arrived signed with the key the codename unlocks.
    assert "reporter key:" in opened.stdout and "NOT PROVEN" not in opened.stdout, opened.stdout
    files = {p.name: p for p in out.rglob("*") if p.is_file()}
    assert files["ledger.xlsx"].read_bytes() == b"".join(data_source())
    transcripts = [p for name, p in files.items() if name.endswith(".txt") and "transcript" in name]
    assert transcripts
    assert "Invoices are being falsified." in transcripts[0].read_text()

    # Confidant replies.
    page = confidant.get(conversation_url, timeout=120).text
    replied = confidant.post(
        conversation_url + "/reply",
        data={"csrf_token": csrf(page), "text": "Thank you. We received your report."},
        timeout=120,
    )
    assert replied.status_code == 200

    # Reporter returns with the codename and reads the reply.
    returning = tor_session(drop)
    login = returning.get(source + "/en/login", timeout=120).text
    back = returning.post(
        source + "/en/login", data={"codename": codename, "csrf_token": csrf(login)}, timeout=120
    )
    assert back.status_code == 200
    assert "Thank you. We received your report." in back.text
    assert "ledger.xlsx" in back.text
