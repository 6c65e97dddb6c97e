"""Onion services on the private Tor network, reached through a client's SOCKS port."""

from __future__ import annotations

import stat
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from kring.onion.errors import OnionUnreachable
from kring.onion.keys import ensure_service_key, generate_service_key, load_service_key
from kring.onion.reachability import wait_until_reachable
from kring.onion.services import publish_service, unpublish_service
from kring.onion.tor_process import LaunchedTor
from kring_devkit.testnet import PrivateTorNetwork

from .conftest import proxies

pytestmark = pytest.mark.tor


def test_network_comes_up_fast_enough(testnet: PrivateTorNetwork) -> None:
    # The target is a reachable onion ~15-20 s after start; leave room for a loaded CI machine.
    assert testnet.ready_after < 60  # type: ignore[attr-defined]


def test_published_service_is_reachable_over_socks5h(
    onion_host: LaunchedTor,
    tor_client: LaunchedTor,
    http_server: Callable[[str], int],
    tmp_path: Path,
) -> None:
    port = http_server("source app")
    service = publish_service(
        onion_host.controller, service_dir=tmp_path / "source", target=f"127.0.0.1:{port}"
    )
    wait_until_reachable(service.address, socks_port=tor_client.socks_port, timeout=90)
    response = requests.get(
        f"http://{service.address}/", proxies=proxies(tor_client.socks_port), timeout=60
    )
    assert response.status_code == 200
    assert response.text == "source app"
    # The first run created the key through tor (ADD_ONION NEW) and saved it 0600.
    key_file = tmp_path / "source" / "private_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().startswith("ED25519-V3:")
    saved = load_service_key(tmp_path / "source")
    assert saved is not None
    assert saved.service_id == service.service_id


def test_address_survives_a_restart_of_the_onion_host(
    testnet: PrivateTorNetwork,
    tor_client: LaunchedTor,
    http_server: Callable[[str], int],
    tmp_path: Path,
) -> None:
    port = http_server("persistent")
    service_dir = tmp_path / "source"
    with testnet.new_tor("restart_host_1", socks=False) as first_host:
        first = publish_service(
            first_host.controller, service_dir=service_dir, target=f"127.0.0.1:{port}"
        )
    # The first host is gone; a new tor process with a new DataDirectory restores the key.
    with testnet.new_tor("restart_host_2", socks=False) as second_host:
        second = publish_service(
            second_host.controller, service_dir=service_dir, target=f"127.0.0.1:{port}"
        )
        assert second.address == first.address
        wait_until_reachable(second.address, socks_port=tor_client.socks_port, timeout=90)
        response = requests.get(
            f"http://{second.address}/", proxies=proxies(tor_client.socks_port), timeout=60
        )
        assert response.text == "persistent"


def test_locally_generated_key_gets_the_address_it_promised(
    onion_host: LaunchedTor, tmp_path: Path, http_server: Callable[[str], int]
) -> None:
    # client add creates the journalist key without tor; tor must publish it at that address.
    promised = ensure_service_key(tmp_path / "journalist")
    service = publish_service(
        onion_host.controller,
        service_dir=tmp_path / "journalist",
        target=f"127.0.0.1:{http_server('local key')}",
    )
    assert service.service_id == promised.service_id
    unpublish_service(onion_host.controller, service.service_id)


def test_republishing_on_the_same_tor_keeps_the_address(
    onion_host: LaunchedTor,
    tor_client: LaunchedTor,
    tmp_path: Path,
    http_server: Callable[[str], int],
) -> None:
    # A re-publish (e.g. after a revoke) must not fail on tor's "onion address collision".
    target = f"127.0.0.1:{http_server('again')}"
    first = publish_service(onion_host.controller, service_dir=tmp_path, target=target)
    second = publish_service(onion_host.controller, service_dir=tmp_path, target=target)
    assert first.service_id == second.service_id
    wait_until_reachable(second.address, socks_port=tor_client.socks_port, timeout=90)


def test_unknown_onion_raises_onion_unreachable(tor_client: LaunchedTor) -> None:
    never_published = generate_service_key().address
    started = time.monotonic()
    with pytest.raises(OnionUnreachable, match="within 5 s"):
        wait_until_reachable(never_published, socks_port=tor_client.socks_port, timeout=5)
    assert time.monotonic() - started < 40
