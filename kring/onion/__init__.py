"""Tor onion services for Kring: a leaf adapter over stem (imports neither Flask nor kring.core).

See docs/onion.md for the API and the security choices.
"""

from __future__ import annotations

from kring.onion.client_auth import ClientHandover, ClientKey, ClientRegistry
from kring.onion.errors import (
    BadClientKey,
    BadClientName,
    BootstrapTimedOut,
    ClientExists,
    ControlAuthenticationFailed,
    ControlPortUnreachable,
    OnionError,
    OnionUnreachable,
    PublishFailed,
    ServiceKeyInvalid,
    TestnetFailed,
    TorNotInstalled,
    TorStartFailed,
    UnknownClient,
)
from kring.onion.layout import client_registry

__all__ = [
    "BadClientKey",
    "BadClientName",
    "BootstrapTimedOut",
    "ClientExists",
    "ClientHandover",
    "ClientKey",
    "ClientRegistry",
    "ControlAuthenticationFailed",
    "ControlPortUnreachable",
    "OnionError",
    "OnionUnreachable",
    "PublishFailed",
    "ServiceKeyInvalid",
    "TestnetFailed",
    "TorNotInstalled",
    "TorStartFailed",
    "UnknownClient",
    "client_registry",
]
