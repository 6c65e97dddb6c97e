"""Each failure mode raises its own exception, and every tor we start dies by PID when we stop.

These use real tor processes with DisableNetwork 1 (they never touch any network), so each
situation is the real one, not a mock.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kring.onion.errors import (
    BootstrapTimedOut,
    ControlAuthenticationFailed,
    ControlPortUnreachable,
    PublishFailed,
    TestnetFailed,
    TorNotInstalled,
    TorStartFailed,
)
from kring.onion.services import publish_service
from kring.onion.tor_attach import attach_tor
from kring.onion.tor_process import LaunchedTor
from kring_devkit.testnet import PrivateTorNetwork, free_ports

from .conftest import pid_is_gone

pytestmark = pytest.mark.tor

OFFLINE = [("DisableNetwork", "1")]


@pytest.fixture(scope="module")
def offline_tor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaunchedTor]:
    """A real tor that never connects anywhere (DisableNetwork 1)."""
    tor = LaunchedTor(tmp_path_factory.mktemp("offline"), extra_config=OFFLINE)
    tor.start(bootstrap_timeout=None)
    yield tor
    tor.close()


def test_bogus_binary_raises_tor_not_installed(tmp_path: Path) -> None:
    with pytest.raises(TorNotInstalled, match="apt-get install tor"):
        LaunchedTor(tmp_path, tor_binary="/nonexistent/tor").start()
    with pytest.raises(TorNotInstalled):
        PrivateTorNetwork(tmp_path / "net", gencert_binary="/nonexistent/tor-gencert").start()


def test_bad_torrc_raises_tor_start_failed_with_tor_s_words(tmp_path: Path) -> None:
    tor = LaunchedTor(tmp_path, extra_config=[("NoSuchOption", "1")])
    with pytest.raises(TorStartFailed, match="NoSuchOption"):
        tor.start()
    assert not tor.is_running()


def test_closed_port_raises_control_port_unreachable(tmp_path: Path) -> None:
    (port,) = free_ports(1)
    with pytest.raises(ControlPortUnreachable):
        attach_tor(control_port=port)
    with pytest.raises(ControlPortUnreachable):
        attach_tor(control_socket=tmp_path / "no-such-socket")


def test_wrong_cookie_raises_control_authentication_failed(tmp_path: Path) -> None:
    tor = LaunchedTor(tmp_path / "tor", extra_config=OFFLINE)
    tor.start(bootstrap_timeout=None)
    try:
        port = int(tor.controller.get_info("net/listeners/control").rsplit(":", 1)[1].strip('"'))
        # A stale cookie: what an admin gets after tor restarted under a copied cookie file.
        (tor.data_dir / "control_auth_cookie").write_bytes(os.urandom(32))
        with pytest.raises(ControlAuthenticationFailed, match="refused"):
            attach_tor(control_port=port, bootstrap_timeout=None)
    finally:
        tor.close()


def test_both_handles_refuse_a_closed_controller_with_their_own_error(tmp_path: Path) -> None:
    tor = LaunchedTor(tmp_path / "tor", extra_config=OFFLINE, socks=False)
    with pytest.raises(TorStartFailed, match="tor is not started"):
        _ = tor.controller
    tor.start(bootstrap_timeout=None)
    try:
        with pytest.raises(TorStartFailed, match="started without a SOCKS port"):
            _ = tor.socks_port
        port = int(tor.controller.get_info("net/listeners/control").rsplit(":", 1)[1].strip('"'))
        attached = attach_tor(control_port=port, bootstrap_timeout=None)
        with attached:
            assert attached.controller.get_info("version")
            # Our tor has no SOCKS listener, and the attached handle asks that very tor.
            with pytest.raises(TorStartFailed, match="no socks listener"):
                _ = attached.socks_port
        attached.close()  # a second close is harmless
        with pytest.raises(ControlPortUnreachable, match="the control connection is closed"):
            _ = attached.controller
        assert tor.is_running()  # closing the attached handle never stops that tor
        assert tor.controller.get_info("version")
    finally:
        tor.close()
    tor.close()
    with pytest.raises(TorStartFailed, match="tor is not started"):
        _ = tor.controller
    assert not tor.is_running()


def test_tiny_deadline_raises_bootstrap_timed_out(tmp_path: Path) -> None:
    tor = LaunchedTor(tmp_path, extra_config=OFFLINE)
    started = time.monotonic()
    with pytest.raises(BootstrapTimedOut, match="did not bootstrap within 2 s"):
        tor.start(bootstrap_timeout=2)
    assert time.monotonic() - started < 15
    assert not tor.is_running()  # a failed start leaves no tor behind


def test_unpublishable_descriptor_raises_publish_failed(
    offline_tor: LaunchedTor, tmp_path: Path
) -> None:
    with pytest.raises(PublishFailed, match="not uploaded within 2 s"):
        publish_service(
            offline_tor.controller, service_dir=tmp_path, target="127.0.0.1:8080", timeout=2
        )
    # The key was saved before the wait, so a retry keeps the same address.
    assert (tmp_path / "private_key").exists()


def test_empty_client_set_raises_publish_failed(offline_tor: LaunchedTor, tmp_path: Path) -> None:
    with pytest.raises(PublishFailed, match="no authorised clients"):
        publish_service(
            offline_tor.controller, service_dir=tmp_path, target="127.0.0.1:8080", client_keys=[]
        )


def test_non_loopback_target_is_refused(offline_tor: LaunchedTor, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="loopback"):
        publish_service(offline_tor.controller, service_dir=tmp_path, target="10.0.0.1:80")


def test_testnet_deadline_raises_testnet_failed_and_stops_every_node(tmp_path: Path) -> None:
    network = PrivateTorNetwork(tmp_path / "net")
    with pytest.raises(TestnetFailed, match="no consensus"):
        network.start(timeout=0.5)
    assert network.pids  # it did start nodes ...
    assert all(pid_is_gone(pid) for pid in network.pids)  # ... and stopped each one


def test_close_stops_exactly_our_pid(tmp_path: Path) -> None:
    tor = LaunchedTor(tmp_path, extra_config=OFFLINE)
    tor.start(bootstrap_timeout=None)
    pid = tor.pid
    assert pid is not None
    tor.close()
    assert pid_is_gone(pid)
    tor.close()  # harmless twice


def test_closing_the_control_connection_does_not_stop_tor(tmp_path: Path) -> None:
    # stem's TAKEOWNERSHIP would make tor exit here; we never set __OwningControllerProcess.
    tor = LaunchedTor(tmp_path, extra_config=OFFLINE)
    tor.start(bootstrap_timeout=None)
    try:
        tor.controller.close()
        assert not pid_is_gone(tor.pid or 0, timeout=1.0)
    finally:
        tor.close()


def test_tor_dies_with_a_killed_launcher(tmp_path: Path) -> None:
    """PR_SET_PDEATHSIG: even a SIGKILLed launcher (no cleanup code runs) takes tor with it."""
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from kring.onion.tor_process import LaunchedTor
        tor = LaunchedTor(Path({str(tmp_path)!r}), extra_config=[("DisableNetwork", "1")])
        tor.start(bootstrap_timeout=None)
        print(tor.pid, flush=True)
        time.sleep(600)
        """
    )
    launcher = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert launcher.stdout is not None
        tor_pid = int(launcher.stdout.readline())
        assert not pid_is_gone(tor_pid, timeout=0.5)
        launcher.send_signal(signal.SIGKILL)
        launcher.wait(timeout=10)
        assert pid_is_gone(tor_pid, timeout=10)
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
        if launcher.stdout is not None:
            launcher.stdout.close()
