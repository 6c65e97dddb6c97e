"""One onion layout for the page, the poster and the client-key commands.

The "system" layout is Debian's tor's own folders as the Ansible role makes them; here
they are real service folders (keys made by Kring's own key code, in tor's format) in a
temporary directory, named by the settings exactly as kring.toml names them.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from kring.cli import main
from kring.core.context import CoreContext
from kring.onion.keys import ensure_service_key
from kring.onion.layout import OnionLayoutUnreadable, layout_for
from tests.journalist_ui.conftest import Account, Clock, login


def _system(jctx: CoreContext, tor_dir: Path) -> tuple[str, str]:
    """Tor's folders with both services, and settings that point there."""
    source = ensure_service_key(tor_dir / "kring-source").address
    journalist = ensure_service_key(tor_dir / "kring-journalist").address
    jctx.settings = dataclasses.replace(
        jctx.settings,
        onion_layout="system",
        onion_source_dir=str(tor_dir / "kring-source"),
        onion_journalist_dir=str(tor_dir / "kring-journalist"),
    )
    return source, journalist


def _env(tor_dir: Path) -> dict[str, str]:
    return {
        "KRING_ONION_LAYOUT": "system",
        "KRING_ONION_SOURCE_DIR": str(tor_dir / "kring-source"),
        "KRING_ONION_JOURNALIST_DIR": str(tor_dir / "kring-journalist"),
    }


def test_page_poster_and_client_commands_use_tors_folders(
    client: FlaskClient, jctx: CoreContext, admin: Account, clock: Clock, tmp_path: Path
) -> None:
    tor_dir = tmp_path / "var-lib-tor"
    source, journalist = _system(jctx, tor_dir)
    instance = str(jctx.settings.instance_dir)
    runner = CliRunner()
    added = runner.invoke(
        main, ["onion", "client", "add", "--instance", instance, "anna"], env=_env(tor_dir)
    )
    assert added.exit_code == 0, added.output
    auth = tor_dir / "kring-journalist" / "authorized_clients" / "anna.auth"
    assert auth.read_text().startswith("descriptor:x25519:")
    # The private half is handed over from the instance, never left in tor's folder.
    assert not (tor_dir / "kring-journalist" / "handover").exists()
    assert (jctx.settings.instance_dir / "onion-handover" / "anna.auth_private").exists()
    assert "systemctl reload tor" in added.output
    assert not (jctx.settings.instance_dir / "onion").exists()  # the demo layout is untouched
    login(client, admin, clock)
    with client.get("/en/admin/onion/") as page:
        html = page.get_data(as_text=True)
        assert page.status_code == 200
    assert source in html and journalist in html and "<li>anna</li>" in html
    with client.get("/en/admin/onion/poster.pdf") as pdf:
        assert pdf.status_code == 200 and pdf.get_data().startswith(b"%PDF")
    listed = runner.invoke(
        main, ["onion", "client", "list", "--instance", instance], env=_env(tor_dir)
    )
    assert listed.output.startswith("anna\t")
    revoked = runner.invoke(
        main, ["onion", "client", "revoke", "--instance", instance, "anna"], env=_env(tor_dir)
    )
    assert revoked.exit_code == 0 and "systemctl reload tor" in revoked.output
    assert not auth.exists()
    with client.get("/en/admin/onion/") as page:
        assert "<li>anna</li>" not in page.get_data(as_text=True)


def test_missing_or_unreadable_layout_is_a_clear_page_not_a_500(
    client: FlaskClient, jctx: CoreContext, admin: Account, clock: Clock, tmp_path: Path
) -> None:
    login(client, admin, clock)
    tor_dir = tmp_path / "var-lib-tor"
    _system(jctx, tor_dir)
    broken = [
        # The settings name folders tor never made.
        lambda: os.rename(tor_dir, tmp_path / "elsewhere"),
        # A hostname that holds no onion address.
        lambda: (tor_dir / "kring-source" / "hostname").write_text("not an address\n"),
        # A hostname that cannot be read as a file.
        lambda: (
            (tor_dir / "kring-source" / "hostname").unlink(),
            (tor_dir / "kring-source" / "hostname").mkdir(),
        ),
        # authorized_clients that is not a folder.
        lambda: (tor_dir / "kring-journalist" / "authorized_clients").write_text("x"),
    ]
    for index, breaking in enumerate(broken):
        if index:
            for leftover in (tmp_path / "elsewhere", tor_dir):
                if leftover.exists():
                    shutil.rmtree(leftover)
            _system(jctx, tor_dir)
        breaking()
        with client.get("/en/admin/onion/") as page:
            html = page.get_data(as_text=True)
            assert page.status_code == 503, (index, html)
        assert "The onion services cannot be read" in html, index
        assert "onion_layout" in html
        with client.get("/en/admin/onion/poster.pdf") as pdf:
            # Without a readable reporters' address: back to the page that explains.
            assert pdf.status_code == (302 if index < 3 else 200), index
    jctx.settings = dataclasses.replace(jctx.settings, onion_layout="nonsense")
    with client.get("/en/admin/onion/") as page:
        assert page.status_code == 503 and "unknown onion_layout" in page.get_data(as_text=True)
    failed = CliRunner().invoke(
        main,
        ["onion", "client", "list", "--instance", str(jctx.settings.instance_dir)],
        env={"KRING_ONION_LAYOUT": "nonsense"},
    )
    assert failed.exit_code != 0 and "unknown onion_layout" in failed.output


def test_instance_layout_is_the_demo_folder(tmp_path: Path) -> None:
    layout = layout_for("instance", instance_dir=tmp_path)
    assert layout.journalist_dir == tmp_path / "onion" / "journalist"
    assert layout.address("source") is None  # nothing published yet: not an error
    with pytest.raises(OnionLayoutUnreadable, match="does not exist"):
        layout_for("system", instance_dir=tmp_path, source_dir=tmp_path / "none").address("source")


def test_the_apps_user_reads_the_published_copy_when_tors_folders_are_closed() -> None:
    """As deployed: tor's folders are 0700 debian-tor; the app runs as another user and
    reads the copy that root (`kring onion status`, the CLI) writes into the instance."""
    base = Path(tempfile.mkdtemp(prefix="kring-layout-"))
    try:
        base.chmod(0o755)
        tor_dir, instance = base / "tor", base / "instance"
        tor_dir.mkdir(mode=0o700)
        instance.mkdir(mode=0o755)
        source = ensure_service_key(tor_dir / "kring-source").address
        journalist = ensure_service_key(tor_dir / "kring-journalist").address
        layout = layout_for(
            "system",
            instance_dir=instance,
            source_dir=tor_dir / "kring-source",
            journalist_dir=tor_dir / "kring-journalist",
        )
        layout.registry().add("anna")
        assert layout.write_published_copy() == instance / "onion-published"
        probe = (
            "from pathlib import Path; from kring.onion.layout import layout_for\n"
            f"l = layout_for('system', instance_dir=Path({str(instance)!r}),"
            f" source_dir=Path({str(tor_dir / 'kring-source')!r}),"
            f" journalist_dir=Path({str(tor_dir / 'kring-journalist')!r}))\n"
            "try:\n"
            "    print(l.address('source'), l.address('journalist'), ','.join(l.client_names()))\n"
            "except Exception as exc:\n"
            "    print(type(exc).__name__, exc)\n"
        )
        as_app = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        seen = subprocess.run(
            [*as_app, sys.executable, "-c", probe], capture_output=True, text=True, check=True
        )
        assert seen.stdout.split() == [source, journalist, "anna"], seen.stderr
        shutil.rmtree(instance / "onion-published")
        seen = subprocess.run(
            [*as_app, sys.executable, "-c", probe], capture_output=True, text=True, check=True
        )
        assert (
            seen.stdout.startswith("OnionLayoutUnreadable") and "kring onion status" in seen.stdout
        )
    finally:
        shutil.rmtree(base)
