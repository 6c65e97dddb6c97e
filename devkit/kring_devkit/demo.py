"""The demo drop: both apps under gunicorn on loopback, published as onion services.

``running_drop`` is used by ``kring-demo``, the end-to-end tests and
``bench/onion_startup.py``. By default it starts a private Tor network on
127.0.0.1 (no Tor network is reachable from this machine); ``system_tor=True``
publishes through the system tor instead.

The demo confidant's private key is generated here, in a separate gpg home
next to the instance, so a tester can decrypt what was sent. A real
confidant's private key never touches the server (see kring-workstation).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import click

from kring.core.accounts.confidants import list_confidants
from kring.core.context import build_context
from kring.core.instance import init_instance
from kring.core.settings import INSTANCE_FILE, load_settings
from kring.crypto.gpg import GpgHome
from kring_devkit.servers import free_port, run_gunicorn, wait_until_answering

DEMO_CONFIDANT = "Demo Confidant"
DEMO_CLIENT = "demo-confidant"


DEMO_USERNAME = "demo"
DEMO_ACCOUNT_FILE = "demo-account.txt"


def ensure_demo_confidant(instance_dir: Path) -> Path:
    """Create (once) the demo confidant: key pair, journalist_ui account, public key.

    The account (an admin who is also a confidant) gets a generated password
    and a TOTP secret that are written, for the demo only, to
    ``demo-account.txt`` (0600) in the instance; its TOTP is confirmed here.
    """
    import os
    import time

    import pyotp

    from kring.core import throttle
    from kring.core.accounts import admin as accounts_admin
    from kring.core.accounts import enrolment, passwords, records, totp

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
        credentials = accounts_admin.create_account(
            ctx,
            username=DEMO_USERNAME,
            display_name=DEMO_CONFIDANT,
            role=records.Role.ADMIN,
            actor="kring demo",
        )
        # The demo plays the holder: it chooses the password and enrols the
        # TOTP itself (a real account's holder does this in journalist_ui).
        now = time.time()
        password = passwords.generate_password()
        secret = enrolment.complete_enrolment(
            ctx, credentials.account_id, temporary=credentials.password, own=password, at=now
        )
        enrolment.set_public_key(
            ctx,
            credentials.account_id,
            public,
            password=password,
            code=pyotp.TOTP(secret).at(now - totp.TOTP_STEP),
            at=now,
            failures=throttle.FailureThrottle(),
        )
        uri = totp.provisioning_uri(secret, credentials.username, "Kring demo")
        text = (
            f"username: {credentials.username}\n"
            f"password: {password}\n"
            f"totp secret: {secret}\n"
            f"totp uri: {uri}\n"
        )
        path = instance_dir / DEMO_ACCOUNT_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        return home.path
    finally:
        ctx.engine.dispose()
        home.kill_agent()


def read_demo_account(instance_dir: Path) -> dict[str, str]:
    """The demo account's credentials (username, password, totp secret, totp uri)."""
    lines = (instance_dir / DEMO_ACCOUNT_FILE).read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line)


def ensure_demo_client_key(instance_dir: Path) -> Path:
    """The demo confidant's Tor client key for journalist_ui (.auth_private file)."""
    from kring.onion import client_registry

    registry = client_registry(instance_dir)
    existing = {key.name for key in registry.list()}
    handover = registry.handover_dir / f"{DEMO_CLIENT}.auth_private"
    if DEMO_CLIENT in existing and handover.exists():
        return handover
    if DEMO_CLIENT in existing:
        registry.revoke(DEMO_CLIENT)
    return registry.add(DEMO_CLIENT).auth_private_path


def journalist_app_available() -> bool:
    """Whether journalist_ui is installed in this tree (it is built separately)."""
    return importlib.util.find_spec("kring.journalist_ui.wsgi") is not None


@dataclasses.dataclass(frozen=True)
class RunningDrop:
    """Everything a user (or test) needs to reach the running drop."""

    instance_dir: Path
    source_url: str
    journalist_url: str | None
    source_onion: str | None
    journalist_onion: str | None
    socks_port: int | None
    client_key_file: Path | None
    demo_key_home: Path


@contextlib.contextmanager
def running_drop(
    instance_dir: Path,
    *,
    source_port: int | None = None,
    journalist_port: int | None = None,
    onion: bool = True,
    system_tor: bool = False,
) -> Iterator[RunningDrop]:
    """Start the whole drop; everything started is stopped when the block ends."""
    instance_dir = instance_dir.resolve()
    if not (instance_dir / INSTANCE_FILE).exists():
        init_instance(instance_dir, organisation_name="Demo organisation")
    key_home = ensure_demo_confidant(instance_dir)
    logs = instance_dir / "logs"
    logs.mkdir(mode=0o700, exist_ok=True)
    source_port = source_port or free_port()
    with contextlib.ExitStack() as stack:
        source = stack.enter_context(
            run_gunicorn(
                "kring.source_ui.wsgi:app",
                instance_dir,
                log_path=logs / "source_ui.log",
                port=source_port,
                wait=False,
            )
        )
        journalist_url = None
        if journalist_app_available():
            journalist_port = journalist_port or free_port()
            journalist = stack.enter_context(
                run_gunicorn(
                    "kring.journalist_ui.wsgi:app",
                    instance_dir,
                    log_path=logs / "journalist_ui.log",
                    port=journalist_port,
                    wait=False,
                )
            )
            journalist_url = journalist.url
        source_onion = journalist_onion = None
        socks_port = None
        client_key_file = None
        if onion:
            from kring_devkit.stack import start_onion_stack

            client_key_file = ensure_demo_client_key(instance_dir)
            onion_stack = stack.enter_context(
                start_onion_stack(
                    source_port=source_port,
                    journalist_port=journalist_port or free_port(),
                    state_dir=instance_dir,
                    system_tor=system_tor,
                    # The stack's own client tor plays the demo confidant's Tor Browser:
                    # with the key, both onions are proven to answer before we say so.
                    client_auth_lines=(
                        () if system_tor else (client_key_file.read_text().strip(),)
                    ),
                )
            )
            source_onion = onion_stack.source_address
            journalist_onion = onion_stack.journalist_address
            socks_port = onion_stack.socks_port
        # The apps started while tor bootstrapped; make sure they answer now.
        wait_until_answering(source.url + "/")
        if journalist_url:
            wait_until_answering(journalist_url + "/")
        yield RunningDrop(
            instance_dir=instance_dir,
            source_url=source.url,
            journalist_url=journalist_url,
            source_onion=source_onion,
            journalist_onion=journalist_onion,
            socks_port=socks_port,
            client_key_file=client_key_file,
            demo_key_home=key_home,
        )


def describe(drop: RunningDrop) -> str:
    """What the demo prints: where everything is and how to open it."""
    lines = [f"source_ui (reporters), loopback:   {drop.source_url}/"]
    if drop.journalist_url:
        lines.append(f"journalist_ui (confidants), loopback: {drop.journalist_url}/")
    if drop.source_onion:
        lines += [
            "",
            f"Reporters' onion:   http://{drop.source_onion}/",
            f"Confidants' onion:  http://{drop.journalist_onion}/  (client key required)",
            f"Tor SOCKS port:     127.0.0.1:{drop.socks_port}",
            f"Demo confidant's Tor client key (.auth_private): {drop.client_key_file}",
            "",
            "Open them through Tor:",
            f"  curl --socks5-hostname 127.0.0.1:{drop.socks_port} http://{drop.source_onion}/en/",
            f"  chromium --proxy-server=socks5://127.0.0.1:{drop.socks_port} "
            '--host-resolver-rules="MAP * ~NOTFOUND , EXCLUDE 127.0.0.1" '
            f"http://{drop.source_onion}/",
        ]
    lines += [
        "",
        f"Demo confidant's private OpenPGP key (gpg home): {drop.demo_key_home}",
        f"  decrypt a stored item: gpg --homedir {drop.demo_key_home} -d FILE.gpg",
        f"Demo confidant's journalist_ui login (password, TOTP secret): "
        f"{drop.instance_dir / DEMO_ACCOUNT_FILE}",
        f"Instance (settings, database, ciphertext store): {drop.instance_dir}",
    ]
    return "\n".join(lines)
