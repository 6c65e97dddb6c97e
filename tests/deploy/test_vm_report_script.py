"""The booted-machine test's report script, run here against a fresh instance.

test_vm.py makes its report inside the emulated machine through the app's own code; a change
to that code (a module moved, a function renamed) would otherwise show only half an hour into
the machine test. Here the same script runs in seconds with this venv, and the report it
stores decrypts with the confidant's key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kring.core.db import upgrade_database
from kring.core.settings import load_settings
from tests.conftest import make_confidant_key
from tests.deploy.test_vm import REPORT, REPORT_SCRIPT


def test_report_script_stores_a_report_the_confidant_can_read(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    made = subprocess.run([str(Path(sys.executable).parent / "kring"), "init", str(instance),
                           "--organisation", "Test BV", "--language", "en"],
                          capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    upgrade_database(load_settings({"KRING_INSTANCE": str(instance)}).database_url)
    confidant = make_confidant_key(tmp_path / "confidant-gpg", "Anna Confidant")
    try:
        key = tmp_path / "confidant.asc"
        key.write_text(confidant.public_key)
        env = dict(os.environ, KRING_INSTANCE=str(instance), REPORT=REPORT, REPORT_KEY=str(key))
        done = subprocess.run([sys.executable, "-c", REPORT_SCRIPT], env=env,
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        blob = Path(json.loads(done.stdout.strip().splitlines()[-1])["blob"])
        ciphertext = blob.read_bytes()
        assert REPORT.encode() not in ciphertext
        plaintext, _ = confidant.decrypt(ciphertext)
        assert REPORT.encode() in plaintext
    finally:
        confidant.home.kill_agent()
