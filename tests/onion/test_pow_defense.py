"""The reporters' onion publishes tor's proof-of-work defence in its descriptor.

Real tor on the private network: the service is added through the control port
with the PoW keywords, and a client fetches and decrypts the descriptor it
would use, which must carry ``pow-params`` (Tor Browser solves the puzzle from
these, at the Tor level, with JavaScript off).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from stem.descriptor.hidden_service import HiddenServiceDescriptorV3

from kring.onion.services import PowDefenses, ServiceSpec, publish_services
from kring.onion.tor_process import LaunchedTor

pytestmark = pytest.mark.tor


def inner_descriptor(client: LaunchedTor, service_id: str) -> str:
    """The decrypted inner layer of the descriptor a client fetches for ``service_id``."""
    deadline = time.monotonic() + 90
    while True:
        try:
            outer = client.controller.get_hidden_service_descriptor(service_id, await_result=True)
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    # stem parses HSFETCH's answer as a v2 descriptor; the bytes are a v3 one.
    v3 = HiddenServiceDescriptorV3(outer.get_bytes())
    inner = v3.decrypt(f"{service_id}.onion")
    return str(inner)


def test_descriptor_advertises_pow_params_only_when_enabled(
    onion_host: LaunchedTor,
    tor_client: LaunchedTor,
    http_server: Callable[[str], int],
    tmp_path: Path,
) -> None:
    port = http_server("pow")
    with_pow, without = publish_services(
        onion_host.controller,
        [
            ServiceSpec(tmp_path / "with", f"127.0.0.1:{port}", pow_defenses=PowDefenses()),
            ServiceSpec(tmp_path / "without", f"127.0.0.1:{port}"),
        ],
        timeout=90,
    )
    text = inner_descriptor(tor_client, with_pow.service_id)
    pow_lines = [line for line in text.splitlines() if line.startswith("pow-params ")]
    assert len(pow_lines) == 1, text
    kind, seed, effort, expires = pow_lines[0].split()[1:5]
    assert kind == "v1" and len(seed) >= 43 and int(effort) >= 0 and "T" in expires
    assert "pow-params" not in inner_descriptor(tor_client, without.service_id)
