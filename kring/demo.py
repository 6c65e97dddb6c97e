"""The demo drop: an instance with a demo confidant, served under gunicorn on loopback.

The demo confidant's private key is generated here, in a separate gpg home
next to the instance, so that a tester can decrypt what was sent. A real
confidant's private key never touches the server (see kring-workstation).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import click

from kring.core.confidants import add_confidant, list_confidants
from kring.core.context import build_context
from kring.core.instance import init_instance
from kring.core.settings import INSTANCE_FILE, load_settings
from kring.crypto.gpg import GpgHome
from kring.devtools.servers import gunicorn_command

DEMO_CONFIDANT = "Demo Confidant"


def ensure_demo_confidant(instance_dir: Path) -> Path:
    """Create (once) the demo confidant's key pair and register its public key."""
    settings = load_settings({"KRING_INSTANCE": str(instance_dir)})
    ctx = build_context(settings)
    home = GpgHome(instance_dir / "demo-confidant-gnupg").ensure()
    try:
        if any(c.display_name == DEMO_CONFIDANT for c in list_confidants(ctx)):
            return home.path
        params = (
            "%no-protection\nKey-Type: EDDSA\nKey-Curve: ed25519\nSubkey-Type: ECDH\n"
            "Subkey-Curve: cv25519\nName-Real: Demo Confidant\nExpire-Date: 0\n%commit\n"
        )
        made = home.run(["--gen-key"], input_bytes=params.encode())
        if made.returncode != 0:
            raise click.ClickException("could not create the demo key: " + made.stderr.decode())
        public = home.run(["--armor", "--export"]).stdout.decode()
        (instance_dir / "demo-confidant.pub.asc").write_text(public)
        add_confidant(ctx, display_name=DEMO_CONFIDANT, public_key=public)
        return home.path
    finally:
        ctx.engine.dispose()
        home.kill_agent()


def run_demo(instance_dir: Path, *, source_port: int) -> int:
    """Initialise if needed, start source_ui under gunicorn, wait for Ctrl-C."""
    instance_dir = instance_dir.resolve()
    if not (instance_dir / INSTANCE_FILE).exists():
        init_instance(instance_dir, organisation_name="Demo organisation")
    key_home = ensure_demo_confidant(instance_dir)
    env = {**os.environ, "KRING_INSTANCE": str(instance_dir)}
    bind = f"127.0.0.1:{source_port}"
    proc = subprocess.Popen(gunicorn_command("kring.source_ui.wsgi:app", bind), env=env)
    click.echo(f"source_ui (reporters):   http://{bind}/")
    click.echo(f"Demo confidant's private key (gpg home): {key_home}")
    click.echo(f"  decrypt a stored item: gpg --homedir {key_home} -d FILE.gpg")
    click.echo("Press Ctrl-C to stop.")
    try:
        while proc.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
    return 0
