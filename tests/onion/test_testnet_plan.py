"""The private network keeps its throw-away keys between starts, but only with their ports.

Reusing tor-gencert's authority keys and the relay identities saves most of a demo start
(docs/performance.md); these check that reuse is exact, that stale state goes, and that a
taken port makes a fresh plan instead of a network that cannot start.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from kring_devkit.testnet import PrivateTorNetwork

pytestmark = pytest.mark.tor


def test_second_start_reuses_keys_and_clears_stale_state(tmp_path: Path) -> None:
    first = PrivateTorNetwork(tmp_path, authorities=1, relays=3)
    first.prepare_keys()
    certificate = tmp_path / "auth0" / "keys" / "authority_certificate"
    made = certificate.read_bytes()
    (tmp_path / "relay0" / "cached-consensus").write_text("old consensus")
    (tmp_path / "client").mkdir()
    (tmp_path / "client" / "state").write_text("old client state")

    second = PrivateTorNetwork(tmp_path, authorities=1, relays=3)
    second.prepare_keys()

    assert second.fingerprints == first.fingerprints
    assert all(second.fingerprints.values())
    assert certificate.read_bytes() == made  # not made again
    assert not (tmp_path / "relay0" / "cached-consensus").exists()
    assert not (tmp_path / "client").exists()
    assert (tmp_path / "relay0" / "keys").is_dir()


def test_a_taken_port_makes_a_fresh_plan(tmp_path: Path) -> None:
    first = PrivateTorNetwork(tmp_path, authorities=1, relays=3)
    first.prepare_keys()
    plan = json.loads((tmp_path / "plan.json").read_text())
    taken = plan["nodes"][0]["dir_port"]
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", taken))
        blocker.listen()
        second = PrivateTorNetwork(tmp_path, authorities=1, relays=3)
        second.prepare_keys()
    ports = [p for n in json.loads((tmp_path / "plan.json").read_text())["nodes"]
             for p in (n["or_port"], n["dir_port"])]
    assert taken not in ports
    assert second.fingerprints != first.fingerprints


def test_a_damaged_plan_is_replaced(tmp_path: Path) -> None:
    PrivateTorNetwork(tmp_path, authorities=1, relays=3).prepare_keys()
    (tmp_path / "plan.json").write_text("{not json")
    again = PrivateTorNetwork(tmp_path, authorities=1, relays=3)
    again.prepare_keys()
    assert all(again.fingerprints.values())
    assert json.loads((tmp_path / "plan.json").read_text())["nodes"]


def test_an_expiring_authority_certificate_makes_fresh_keys(tmp_path: Path) -> None:
    first = PrivateTorNetwork(tmp_path, authorities=1, relays=3)
    first.prepare_keys()
    certificate = tmp_path / "auth0" / "keys" / "authority_certificate"
    text = certificate.read_text()
    expires = text.split("dir-key-expires ", 1)[1].splitlines()[0]
    certificate.write_text(text.replace(expires, "2020-01-01 00:00:00"))
    second = PrivateTorNetwork(tmp_path, authorities=1, relays=3)
    second.prepare_keys()
    assert second.fingerprints != first.fingerprints
    assert "2020-01-01" not in certificate.read_text()


def test_a_port_taken_after_planning_gets_a_new_plan_and_the_network_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    planned = PrivateTorNetwork(tmp_path, authorities=1, relays=3)
    planned.prepare_keys()
    plan = json.loads((tmp_path / "plan.json").read_text())
    taken = plan["nodes"][1]["dir_port"]
    # The race being simulated: the port is free when the plan is checked and taken by
    # another process before tor binds it. Only the check is faked; tor's bind is real.
    monkeypatch.setattr("kring_devkit.testnet.plan.ports_free", lambda ports: True)
    network = PrivateTorNetwork(tmp_path, authorities=1, relays=3)
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", taken))
        blocker.listen()
        try:
            network.launch()
            ports = [p for n in json.loads((tmp_path / "plan.json").read_text())["nodes"]
                     for p in (n["or_port"], n["dir_port"])]
            assert taken not in ports
            assert len(network.pids) == 4 and all(network.pids)
        finally:
            network.close()
