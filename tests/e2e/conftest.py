"""The whole drop over a private Tor network, shared by the end-to-end tests of a module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kring_devkit.demo import RunningDrop, running_drop

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def drop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDrop]:
    """`kring-demo`'s drop: both apps under gunicorn, onion services on a private Tor network."""
    instance = tmp_path_factory.mktemp("drop") / "instance"
    with running_drop(instance) as running:
        yield running


def tor_session(drop: RunningDrop) -> requests.Session:
    """A requests session whose every request goes through the drop's client tor."""
    session = requests.Session()
    proxy = f"socks5h://127.0.0.1:{drop.socks_port}"
    session.proxies = {"http": proxy, "https": proxy}
    return session
