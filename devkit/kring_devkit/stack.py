"""The high-level surface for the CLI: publish source_ui and journalist_ui as onion services.

``start_onion_stack`` either starts a private Tor network on loopback (demo, tests) or attaches
to the system tor (production), publishes

- source_ui with a persistent key (``<state>/onion/source/``), open to everyone, and
- journalist_ui with a persistent key and v3 client authorisation for the keys in
  ``<state>/onion/journalist/authorized_clients/``,

and returns both addresses, a SOCKS port to reach them, and a handle that stops exactly what was
started.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from kring.closing import ClosedOnExit
from kring.onion.client_auth import ClientRegistry, add_key_to_client
from kring.onion.errors import OnionError, PublishFailed
from kring.onion.layout import (
    INSTANCE_ONION_DIR,
    JOURNALIST_SERVICE,
    SOURCE_SERVICE,
)
from kring.onion.reachability import wait_until_reachable as _wait_until_reachable
from kring.onion.services import (
    PowDefenses,
    PublishedService,
    ServiceSpec,
    publish_services,
    unpublish_service,
)
from kring.onion.tor_attach import AttachedTor, attach_tor
from kring.onion.tor_process import LaunchedTor
from kring_devkit.testnet import PrivateTorNetwork


@dataclasses.dataclass(frozen=True)
class OnionPaths:
    """Where the onion state lives under an instance's state directory."""

    root: Path

    @property
    def source_dir(self) -> Path:
        """source_ui's service directory (private_key, hostname)."""
        return self.root / SOURCE_SERVICE

    @property
    def journalist_dir(self) -> Path:
        """journalist_ui's service directory (private_key, hostname, authorized_clients/)."""
        return self.root / JOURNALIST_SERVICE

    @property
    def testnet_dir(self) -> Path:
        """The private Tor network's folder: throw-away keys and a port plan are kept between
        starts (see kring_devkit.testnet.plan), everything else is cleared at each start."""
        return self.root / "testnet"


def onion_paths(state_dir: Path) -> OnionPaths:
    """The onion layout under ``state_dir`` (``<state_dir>/onion/...``).

    Invariant: every onion file Kring writes lives below this one folder, mode 0700.
    """
    return OnionPaths(Path(state_dir) / INSTANCE_ONION_DIR)


class OnionStack(ClosedOnExit):
    """Both published services and the tor processes or connection behind them.

    Use ``stop()`` (or a ``with`` block): it removes the services it published from an attached
    system tor, and kills by PID every tor it started.
    """

    def __init__(
        self,
        *,
        paths: OnionPaths,
        host: LaunchedTor | AttachedTor,
        client: LaunchedTor | None,
        network: PrivateTorNetwork | None,
        source_port: int,
        journalist_port: int,
    ) -> None:
        """Wrap already started parts; use :func:`start_onion_stack` rather than this."""
        self.paths = paths
        self.host = host
        self.client = client
        self.network = network
        self._source_port = source_port
        self._journalist_port = journalist_port
        self.source: PublishedService | None = None
        self.journalist: PublishedService | None = None

    @property
    def source_address(self) -> str:
        """source_ui's .onion address (stable across restarts)."""
        if self.source is None:
            raise PublishFailed("source_ui is not published")
        return self.source.address

    @property
    def journalist_address(self) -> str:
        """journalist_ui's .onion address (stable across restarts)."""
        if self.journalist is None:
            raise PublishFailed("journalist_ui is not published")
        return self.journalist.address

    @property
    def socks_port(self) -> int:
        """The SOCKS port through which both addresses can be reached (127.0.0.1)."""
        if self.client is not None:
            return self.client.socks_port
        return self.host.socks_port

    def publish(self, *, timeout: float = 60.0) -> None:
        """Publish (or re-publish) both services.

        Invariant: source_ui and journalist_ui forward to loopback only; journalist_ui is never
        published without client authorisation.
        """
        # Side by side: both descriptor uploads run in the same round.
        self.source, self.journalist = publish_services(
            self.host.controller,
            [
                # The reporters' onion is open to everyone: tor's PoW defence on.
                ServiceSpec(
                    self.paths.source_dir,
                    f"127.0.0.1:{self._source_port}",
                    pow_defenses=PowDefenses(),
                ),
                self._journalist_spec(),
            ],
            timeout=timeout,
        )

    def reload_clients(self, *, timeout: float = 60.0) -> PublishedService:
        """Re-publish journalist_ui with the keys now in ``authorized_clients/`` (after revoke).

        Invariant: once this returns, tor serves only a descriptor readable by the remaining
        keys, and the old service's circuits are closed, so a revoked key no longer connects.
        """
        (self.journalist,) = publish_services(
            self.host.controller, [self._journalist_spec()], timeout=timeout
        )
        return self.journalist

    def _journalist_spec(self) -> ServiceSpec:
        # Never without client authorisation: the keys now in authorized_clients/ (an empty
        # set is refused by publish_services rather than published to everyone).
        return ServiceSpec(
            self.paths.journalist_dir,
            f"127.0.0.1:{self._journalist_port}",
            client_keys=tuple(ClientRegistry(self.paths.journalist_dir).public_keys()),
        )

    def authorize_client(self, auth_private_line: str) -> str:
        """Give the stack's own client tor a confidant key (testnet demo: browse journalist_ui).

        Invariant: only possible with a client tor this stack started, never the system tor.
        """
        if self.client is None:
            raise OnionError("this stack has no client tor of its own (attached to system tor)")
        return add_key_to_client(self.client.controller, auth_private_line)

    def wait_until_reachable(self, *, timeout: float = 60.0, journalist: bool = False) -> None:
        """Wait until source_ui (and with ``journalist`` journalist_ui, which needs a client
        key in our client tor) answers through ``socks_port``; real checks, with a deadline.

        Both are probed side by side: each check mostly waits on tor building circuits.
        """
        addresses = [self.source_address] + ([self.journalist_address] if journalist else [])
        errors: list[BaseException] = []

        def check(address: str) -> None:
            try:
                _wait_until_reachable(address, socks_port=self.socks_port, timeout=timeout)
            except BaseException as exc:  # raised in the calling thread below
                errors.append(exc)

        threads = [threading.Thread(target=check, args=(a,), daemon=True) for a in addresses]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def stop(self) -> None:
        """Unpublish what we published on an attached tor; stop every tor we started, by PID.

        Invariant: a system tor is never stopped, and none of its other services is touched.
        """
        if isinstance(self.host, AttachedTor):
            for service in (self.source, self.journalist):
                if service is not None:
                    with contextlib.suppress(Exception):
                        unpublish_service(self.host.controller, service.service_id)
        self.host.close()
        if self.client is not None:
            self.client.close()
        if self.network is not None:
            self.network.close()

    def close(self) -> None:
        """The same as :meth:`stop` (what leaving a ``with`` block calls)."""
        self.stop()


def start_onion_stack(
    *,
    source_port: int,
    journalist_port: int,
    state_dir: Path,
    system_tor: bool = False,
    control_socket: Path | None = None,
    control_port: int | None = None,
    network_timeout: float = 90.0,
    publish_timeout: float = 60.0,
    wait_reachable: bool = True,
    reachable_timeout: float = 90.0,
    client_auth_lines: Sequence[str] = (),
) -> OnionStack:
    """Start (or attach to) tor and publish source_ui and journalist_ui as onion services.

    ``system_tor=False`` (demo, tests): a private Tor network on 127.0.0.1 plus an onion host
    and a client tor, all owned by the returned stack. ``system_tor=True``: attach with cookie
    auth to ``control_socket`` (default ``/run/tor/control``) or ``control_port``.
    With ``wait_reachable`` the call returns only once source_ui answers through the SOCKS port.
    ``client_auth_lines`` (testnet only) are confidant keys (``<addr>:descriptor:x25519:<key>``)
    given to the stack's client tor before publishing; then journalist_ui must answer too.

    Invariant: on any failure everything started so far is stopped before the exception
    leaves; the testnet never touches the real Tor network; keys persist in ``state_dir``.
    """
    if system_tor and client_auth_lines:
        raise OnionError("client keys are only given to a client tor the stack started")
    paths = onion_paths(state_dir)
    paths.root.mkdir(parents=True, exist_ok=True)
    paths.root.chmod(0o700)
    stack: OnionStack | None = None
    parts = _Parts()
    try:
        if system_tor:
            if control_socket is None and control_port is None:
                control_socket = SYSTEM_CONTROL
            parts.host = attach_tor(control_socket=control_socket, control_port=control_port)
        else:
            _start_testnet_parts(paths, parts, network_timeout, client_auth_lines)
        assert parts.host is not None  # noqa: S101 - both branches set it or raised
        stack = OnionStack(
            paths=paths,
            host=parts.host,
            client=parts.client,
            network=parts.network,
            source_port=source_port,
            journalist_port=journalist_port,
        )
        stack.publish(timeout=publish_timeout)
        if wait_reachable:
            stack.wait_until_reachable(
                timeout=reachable_timeout, journalist=bool(client_auth_lines)
            )
    except BaseException:
        if stack is not None:
            stack.stop()
        elif parts.network is not None:
            parts.network.close()
        raise
    return stack


SYSTEM_CONTROL = Path("/run/tor/control")


@dataclasses.dataclass
class _Parts:
    """What a stack is made of, kept as it is started so a failure can stop all of it."""

    host: LaunchedTor | AttachedTor | None = None
    client: LaunchedTor | None = None
    network: PrivateTorNetwork | None = None


def _start_testnet_parts(
    paths: OnionPaths, parts: _Parts, network_timeout: float, client_auth_lines: Sequence[str]
) -> None:
    """A private network, an onion host and a client tor, bootstrapped; keys given first."""
    # The testnet's keys and logs are throw-away; the service keys live elsewhere.
    deadline = time.monotonic() + network_timeout
    network = parts.network = PrivateTorNetwork(paths.testnet_dir)
    network.launch()
    onion_host = network.new_tor("onion_host", socks=False)
    client = network.new_tor("client")
    network.wait_until_usable(deadline=deadline)
    # Not earlier: a tor that asks for a consensus before the first one exists backs
    # off, and was measured to bootstrap 2-3 s later than one started just after it.
    onion_host.spawn()
    client.spawn()
    onion_host.wait_until_ready(bootstrap_timeout=network_timeout)
    client.wait_until_ready(bootstrap_timeout=network_timeout)
    # Before publishing, so the first fetch of journalist_ui's descriptor can be read.
    for line in client_auth_lines:
        add_key_to_client(client.controller, line)
    parts.host, parts.client = onion_host, client
