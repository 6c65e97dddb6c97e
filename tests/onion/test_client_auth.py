"""v3 client authorisation, as a confidant's Tor Browser would see it.

One client tor plays the confidant: without a key the journalist service is closed; with the
``.auth_private`` line from ``ClientRegistry.add`` it opens; after ``revoke`` and re-publishing
it is closed again, while a remaining confidant (own client tor) still gets in. The revoked key stays loaded
in the client throughout, so nothing but the revocation can explain the refusal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from kring.onion.client_auth import ClientRegistry, add_key_to_client, remove_key_from_client
from kring.onion.reachability import probe_onion, wait_until_reachable
from kring.onion.services import PublishedService, publish_service
from kring.onion.tor_process import LaunchedTor
from kring_devkit.testnet import PrivateTorNetwork

from .conftest import proxies

pytestmark = pytest.mark.tor


def publish_journalist(host: LaunchedTor, registry: ClientRegistry, port: int) -> PublishedService:
    return publish_service(
        host.controller,
        service_dir=registry.service_dir,
        target=f"127.0.0.1:{port}",
        client_keys=registry.public_keys(),
    )


def refused_twice(address: str, socks_port: int) -> list[int]:
    """Two separate attempts; a user retrying must be refused both times."""
    # No answer within 30 s (NO_ANSWER) counts as refused: the page does not load.
    return [probe_onion(address, socks_port=socks_port, timeout=30) for _ in range(2)]


def test_client_auth_add_and_revoke(
    testnet: PrivateTorNetwork,
    onion_host: LaunchedTor,
    tor_client: LaunchedTor,
    http_server: Callable[[str], int],
    tmp_path: Path,
) -> None:
    port = http_server("journalist app")
    socks = tor_client.socks_port
    registry = ClientRegistry(tmp_path / "journalist")
    alice = registry.add("alice")
    bob = registry.add("bob")
    service = publish_journalist(onion_host, registry, port)
    assert service.client_auth

    # 1. Without a key: tor can fetch the descriptor but not read it (0xF4, "auth required").
    #    A fresh onion's first fetch may fail for other reasons ("No more HSDir available"), so
    #    retry until tor names the reason, but never accept success.
    deadline = time.monotonic() + 90
    code = probe_onion(service.address, socks_port=socks, timeout=30)
    while code != 0xF4 and time.monotonic() < deadline:
        assert code != 0
        code = probe_onion(service.address, socks_port=socks, timeout=30)
    assert code == 0xF4
    assert refused_twice(service.address, socks) == [0xF4, 0xF4]
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"http://{service.address}/", proxies=proxies(socks), timeout=60)

    # 2. With alice's .auth_private line, as Tor Browser would load it: the page opens.
    assert add_key_to_client(tor_client.controller, alice.auth_private_line) == service.service_id
    wait_until_reachable(service.address, socks_port=socks, timeout=90)
    response = requests.get(f"http://{service.address}/", proxies=proxies(socks), timeout=60)
    assert response.text == "journalist app"

    # 3. Revoke alice and re-publish with the remaining key (bob). alice's key stays loaded in
    #    the client, which may also hold the old descriptor and circuits: still refused.
    registry.revoke("alice")
    republished = publish_journalist(onion_host, registry, port)
    assert republished.address == service.address
    codes = refused_twice(service.address, socks)
    assert all(code != 0 for code in codes), codes
    with pytest.raises((requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
        requests.get(f"http://{service.address}/", proxies=proxies(socks), timeout=30)

    # 4. The service itself is fine: bob, on his own machine (a fresh client tor), gets in.
    #    (The revoked client's tor may keep retrying the old, dead introduction points for a
    #    while; that client is alice's, so it does not matter here. See docs/onion.md.)
    remove_key_from_client(tor_client.controller, service.service_id)
    with testnet.new_tor("bobs_client") as bobs_client:
        add_key_to_client(bobs_client.controller, bob.auth_private_line)
        wait_until_reachable(service.address, socks_port=bobs_client.socks_port, timeout=90)
        response = requests.get(
            f"http://{service.address}/", proxies=proxies(bobs_client.socks_port), timeout=60
        )
        assert response.text == "journalist app"
