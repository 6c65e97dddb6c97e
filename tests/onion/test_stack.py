"""start_onion_stack end to end, as the demo command calls it: its own network, both apps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from kring.onion import client_registry
from kring.onion.reachability import probe_onion, wait_until_reachable
from kring_devkit.stack import start_onion_stack

from .conftest import pid_is_gone, proxies

pytestmark = pytest.mark.tor


def test_stack_publishes_both_apps_and_stops_everything(
    http_server: Callable[[str], int], tmp_path: Path
) -> None:
    source_port, journalist_port = http_server("source_ui"), http_server("journalist_ui")
    confidant = client_registry(tmp_path).add("confidant")

    with start_onion_stack(
        source_port=source_port, journalist_port=journalist_port, state_dir=tmp_path
    ) as stack:
        socks = stack.socks_port
        # start_onion_stack returned only after source_ui answered through the SOCKS port.
        response = requests.get(
            f"http://{stack.source_address}/", proxies=proxies(socks), timeout=60
        )
        assert response.text == "source_ui"
        assert stack.journalist_address == confidant.auth_private_line.split(":")[0] + ".onion"
        assert probe_onion(stack.journalist_address, socks_port=socks, timeout=60) == 0xF4

        stack.authorize_client(confidant.auth_private_line)
        wait_until_reachable(stack.journalist_address, socks_port=socks, timeout=90)
        response = requests.get(
            f"http://{stack.journalist_address}/", proxies=proxies(socks), timeout=60
        )
        assert response.text == "journalist_ui"
        assert stack.network is not None
        pids = stack.network.pids
        assert len(pids) == 9  # 3 authorities, 4 relays, onion host, client

    assert all(pid_is_gone(pid) for pid in pids)
    assert (tmp_path / "onion" / "source" / "hostname").read_text().strip() == (
        stack.source_address
    )
