"""The private Tor network as one object: launch its nodes, wait for a usable consensus, stop.

Its plan (kring_devkit.testnet.plan), keys (.keys) and torrc lines (.torrc) are built by the
modules beside it. Every process listens on 127.0.0.1 only and is a :class:`LaunchedTor` we
own, stopped by PID.
"""

from __future__ import annotations

import contextlib
import queue
import time
from pathlib import Path
from typing import Any

from stem.control import EventType

from kring.closing import ClosedOnExit
from kring.onion.errors import TestnetFailed, TorStartFailed
from kring.onion.tor_control import TorrcLine
from kring.onion.tor_process import LaunchedTor
from kring_devkit.testnet.keys import make_keys
from kring_devkit.testnet.plan import PLAN_FILE, Node, plan_nodes, save_plan
from kring_devkit.testnet.torrc import (
    common_lines,
    node_lines,
    voting_start_offset,
    write_authority_files,
)

# Flags a relay needs before onion circuits through it work (Stable matters most, see notes).
_NEEDED_FLAGS = frozenset({"Running", "Valid", "Fast", "Stable", "Guard", "HSDir"})
# Starts with a fresh port plan when a planned port was taken before tor could bind it.
_LAUNCH_ATTEMPTS = 3


class PrivateTorNetwork(ClosedOnExit):
    """Directory authorities and relays on loopback; a context manager that owns every process.

    ``with PrivateTorNetwork(work_dir) as net:`` starts the network and waits until a consensus
    lists every relay with the flags onion circuits need; ``net.client_torrc_lines()`` are the
    lines any further tor (onion host, client) needs to join; ``net.new_tor(name)`` prepares
    such a tor. Leaving the block stops every process this object started, also on errors and
    Ctrl-C.
    """

    def __init__(
        self,
        work_dir: Path,
        *,
        authorities: int = 3,
        relays: int = 4,
        tor_binary: str = "tor",
        gencert_binary: str = "tor-gencert",
    ) -> None:
        """Plan (not start) a network in ``work_dir``, which the caller owns and may delete.

        Invariant: nothing outside ``work_dir`` is written, and nothing listens beyond 127.0.0.1.
        """
        if authorities < 1 or relays < 3:
            raise ValueError("a usable network needs at least 1 authority and 3 relays")
        self.work_dir = Path(work_dir).resolve()
        self.tor_binary = tor_binary
        self.gencert_binary = gencert_binary
        self._n_authorities = authorities
        self._n_relays = relays
        self._nodes: list[Node] = []
        self._extra_tors: list[LaunchedTor] = []
        self.started_at: float | None = None

    # ---- public surface ---------------------------------------------------------------------

    def start(self, *, timeout: float = 90.0) -> None:
        """Create keys, start every node, and wait for a consensus that lists all relays usable.

        Invariant: if anything fails or times out, every process started so far is stopped
        before the exception leaves.
        """
        deadline = time.monotonic() + timeout
        self.launch()
        self.wait_until_usable(deadline=deadline)

    def launch(self) -> None:
        """Make (or reuse) the keys and start every node, up to its control port (not its
        bootstrap). A planned port taken meanwhile by another process means a new plan and
        another try (up to three).

        After this, :meth:`client_torrc_lines` and :meth:`new_tor` work; call
        :meth:`wait_until_usable` before starting further tors (see start_onion_stack).

        Invariant: on failure every process started so far is stopped before the exception
        leaves.
        """
        for attempt in range(_LAUNCH_ATTEMPTS):
            try:
                self._launch_once()
                return
            except TorStartFailed as exc:
                self.close()
                # Another process took one of the planned ports between planning and tor's
                # bind: plan new ports (and so new keys) and try again.
                if "Address already in use" not in str(exc) or attempt == _LAUNCH_ATTEMPTS - 1:
                    raise
                (self.work_dir / PLAN_FILE).unlink(missing_ok=True)
            except BaseException:
                self.close()
                raise

    def _launch_once(self) -> None:
        self.prepare_keys()
        write_authority_files(self._nodes)
        self.started_at = time.monotonic()
        offset = voting_start_offset()
        for node in self._nodes:
            node.tor = LaunchedTor(
                node.data_dir,
                tor_binary=self.tor_binary,
                extra_config=node_lines(node, self._nodes, offset),
                socks=False,
            )
            node.tor.spawn()
        # Control ports up means every listener was bound (tor binds them all at start).
        for node in self._nodes:
            assert node.tor is not None  # noqa: S101 - spawned just above
            node.tor.wait_until_ready(bootstrap_timeout=None)

    def prepare_keys(self) -> None:
        """Plan ports and names, and make every node's keys, or reuse the last network's.

        Invariant: keys are reused only with the ports they were made for; whatever else
        an earlier network left in ``work_dir`` is removed first.
        """
        self._nodes = plan_nodes(
            self.work_dir, authorities=self._n_authorities, relays=self._n_relays
        )
        make_keys(self._nodes, tor_binary=self.tor_binary, gencert_binary=self.gencert_binary)
        save_plan(self.work_dir, self._nodes)

    @property
    def fingerprints(self) -> dict[str, str]:
        """Relay identity fingerprint by nickname (authorities included), once planned."""
        return {n.nickname: n.fingerprint for n in self._nodes}

    def wait_until_usable(self, *, deadline: float) -> None:
        """Wait (until the ``time.monotonic()`` ``deadline``) for a consensus listing every
        relay with the flags onion circuits need.

        Invariant: on failure or timeout every process of the network is stopped.
        """
        try:
            if not self._nodes or any(node.tor is None for node in self._nodes):
                raise TestnetFailed("the network was not launched")
            self._wait_for_usable_consensus(deadline)
        except BaseException:
            self.close()
            raise

    def client_torrc_lines(self) -> list[TorrcLine]:
        """The torrc lines a further tor (onion host or client) needs to use this network.

        Invariant: they point only at this network's authorities on 127.0.0.1, so a tor
        configured with them never contacts the real Tor network.
        """
        if not self._nodes or not all(n.v3ident for n in self._nodes if n.authority):
            raise TestnetFailed("the network is not started")
        return [
            *common_lines(self._nodes),
            # Fetch directory info at once: relay caches answer 404 at first and the default
            # back-off would cost 4-14 s.
            ("FetchDirInfoEarly", "1"),
            ("FetchDirInfoExtraEarly", "1"),
        ]

    def new_tor(self, name: str, *, socks: bool = True) -> LaunchedTor:
        """A tor (not yet started) that joins this network, data in ``work_dir/name``.

        Invariant: the network stops it too on exit, should the caller not have.
        """
        if not name.isidentifier():
            raise ValueError("name must be a plain identifier")
        tor = LaunchedTor(
            self.work_dir / name,
            tor_binary=self.tor_binary,
            extra_config=self.client_torrc_lines(),
            socks=socks,
        )
        self._extra_tors.append(tor)
        return tor

    @property
    def pids(self) -> list[int]:
        """PIDs of every tor this network started (authorities, relays, and new_tor ones)."""
        tors = [n.tor for n in self._nodes if n.tor] + self._extra_tors
        return [t.pid for t in tors if t.pid is not None]

    def close(self) -> None:
        """Stop every tor this network started, by PID: joined tors first, then relays, then
        authorities.

        Invariant: only processes this object launched are signalled; closing twice is harmless.
        """
        for tor in reversed(self._extra_tors):
            with contextlib.suppress(Exception):
                tor.close()
        for node in reversed(self._nodes):
            if node.tor is not None:
                with contextlib.suppress(Exception):
                    node.tor.close()

    def __enter__(self) -> PrivateTorNetwork:
        self.start()
        return self

    # ---- readiness --------------------------------------------------------------------------

    def _wait_for_usable_consensus(self, deadline: float) -> None:
        authority = self._nodes[0].tor
        assert authority is not None  # noqa: S101 - start() launched it
        controller = authority.controller
        relays = {n.fingerprint for n in self._nodes if not n.authority}
        consensus_events: queue.Queue[Any] = queue.Queue()
        controller.add_event_listener(consensus_events.put, EventType.NEWCONSENSUS)
        try:
            missing = set(relays)
            while True:
                usable = {
                    status.fingerprint
                    for status in controller.get_network_statuses([])
                    if set(status.flags) >= _NEEDED_FLAGS
                }
                missing = relays - usable
                if not missing:
                    return
                for node in self._nodes:
                    if node.tor is not None and not node.tor.is_running():
                        raise TestnetFailed(f"{node.nickname} exited; see {node.tor.log_path}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TestnetFailed(
                        f"no consensus listed all relays as usable in time ({len(missing)} of "
                        f"{len(relays)} missing); see the notice.log files in {self.work_dir}"
                    )
                # Event-driven; the 1 s cap only serves to notice a dead node.
                with contextlib.suppress(queue.Empty):
                    consensus_events.get(timeout=min(remaining, 1.0))
        finally:
            controller.remove_event_listener(consensus_events.put)

