"""One exception per Tor failure mode, so the CLI can tell an admin what went wrong and what to do.

Every message is written for the admin who runs the instance: it names the cause and the next
step, and never contains key material.
"""

from __future__ import annotations


class OnionError(Exception):
    """Base class of every failure in kring.onion."""


class TorNotInstalled(OnionError):
    """The tor (or tor-gencert) binary was not found or cannot be run."""

    def __init__(self, binary: str) -> None:
        super().__init__(
            f"cannot run {binary!r}: install Debian's tor package (apt-get install tor) "
            "or pass the path of the tor binary"
        )
        self.binary = binary


class TorStartFailed(OnionError):
    """The tor process exited or misbehaved before its control port came up."""


class ControlPortUnreachable(OnionError):
    """Nothing answers on the given control socket or control port."""


class ControlAuthenticationFailed(OnionError):
    """Tor refused our cookie, the cookie was unreadable, or tor does not ask for a cookie."""


class BootstrapTimedOut(OnionError):
    """Tor did not reach 100 % bootstrap before the deadline."""


class PublishFailed(OnionError):
    """Tor refused the onion service or its descriptor was not uploaded before the deadline."""


class ServiceKeyInvalid(OnionError):
    """The saved onion service key file is unreadable, damaged, or readable by others."""


class OnionUnreachable(OnionError):
    """An onion address could not be reached through the SOCKS port before the deadline."""


class BadClientName(OnionError):
    """A confidant key name is empty, too long, or could escape the authorized_clients folder."""


class BadClientKey(OnionError):
    """An x25519 client key or a .auth / .auth_private line is malformed."""


class ClientExists(OnionError):
    """A client key with this name already exists (revoke it first to replace it)."""


class UnknownClient(OnionError):
    """No client key with this name exists."""


class TestnetFailed(OnionError):
    """The private Tor network on loopback could not be set up or did not become ready."""

    # pytest would otherwise try to collect this class as a test case
    __test__ = False
