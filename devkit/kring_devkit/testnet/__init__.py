"""A private Tor network on 127.0.0.1 for the demo and the tests: authorities, relays, no Internet.

``PrivateTorNetwork`` (network.py) owns every process; plan.py keeps ports and identities
between starts, keys.py makes the throw-away keys, torrc.py holds the settings that make a
tiny network usable in seconds, ports.py finds free loopback ports.
"""

from __future__ import annotations

from kring_devkit.testnet.network import PrivateTorNetwork
from kring_devkit.testnet.ports import free_ports, ports_free
from kring_devkit.testnet.torrc import format_lines

__all__ = ["PrivateTorNetwork", "format_lines", "free_ports", "ports_free"]
