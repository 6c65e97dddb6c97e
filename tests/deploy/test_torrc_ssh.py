"""The SSH onion in ansible's torrc is never published without client authorisation.

Renders the role's real template (jinja2, as Ansible does) and has Debian's tor
check the result; no chroot needed, so this runs with the fast tests.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import jinja2
import pytest

TEMPLATE = (
    Path(__file__).resolve().parents[2] / "ansible/roles/kring_tor/templates/etc/tor/torrc.j2"
)
CLIENT = {"name": "it-admin", "public_key": "N2NU7BSRL6YODZCYPN4CREB54TYLKGIE2KYOQWPFYVZL3FWCGKGA"}


def _render(tmp_path: Path, **overrides: object) -> str:
    values: dict[str, object] = {
        "ansible_managed": "test",
        "kring_tor_source_dir": str(tmp_path / "kring-source"),
        "kring_tor_source_target": "127.0.0.1:8080",
        "kring_tor_journalist_dir": str(tmp_path / "kring-journalist"),
        "kring_tor_journalist_target": "127.0.0.1:8081",
        "kring_tor_journalist_clients": [CLIENT],
        "kring_tor_ssh_onion": False,
        "kring_tor_ssh_dir": str(tmp_path / "kring-ssh"),
        "kring_tor_ssh_target": "127.0.0.1:22",
        "kring_tor_ssh_clients": [],
        "kring_tor_extra_options": [],
    }
    values.update(overrides)
    # A torrc, not HTML: Ansible renders it without autoescaping too.
    environment = jinja2.Environment(  # noqa: S701
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )
    return environment.from_string(TEMPLATE.read_text()).render(**values)


def _verify(tmp_path: Path, torrc: str) -> None:
    tor = shutil.which("tor")
    if tor is None:  # CI installs tor (scripts/setup.sh); a dev box may not have it
        pytest.fail("tor is not installed: run scripts/setup.sh")
    path = tmp_path / "torrc"
    path.write_text(torrc + f"DataDirectory {tmp_path / 'data'}\nSocksPort 0\n")
    done = subprocess.run(
        [tor, "--verify-config", "-f", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_ssh_onion_with_clients_is_published(tmp_path: Path) -> None:
    torrc = _render(tmp_path, kring_tor_ssh_onion=True, kring_tor_ssh_clients=[CLIENT])
    assert f"HiddenServiceDir {tmp_path / 'kring-ssh'}" in torrc
    assert "HiddenServicePort 22 127.0.0.1:22" in torrc
    _verify(tmp_path, torrc)


def test_ssh_onion_without_clients_is_not_published(tmp_path: Path) -> None:
    torrc = _render(tmp_path, kring_tor_ssh_onion=True, kring_tor_ssh_clients=[])
    assert "kring-ssh" not in torrc and "HiddenServicePort 22" not in torrc
    assert "SSH onion: not published" in torrc
    _verify(tmp_path, torrc)


def test_no_ssh_onion_unless_asked(tmp_path: Path) -> None:
    torrc = _render(tmp_path, kring_tor_ssh_clients=[CLIENT])
    assert "HiddenServicePort 22" not in torrc and "SSH onion" not in torrc
