"""A private Tor network on 127.0.0.1 for the demo and the tests: authorities, relays, no Internet.

Settings for tor 0.4.9 (their measurements are in docs/onion.md, "The private network"): every relay
assumes itself reachable, the authorities grant Stable at once and weigh the relays equally
through a bandwidth file, the authorities stay out of circuits, and voting runs as fast as tor
allows, with the first vote timed to come after the relays' descriptors.

Every process listens on 127.0.0.1 only and is a :class:`LaunchedTor` we own, stopped by PID.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import queue
import random
import shutil
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from stem.control import EventType

from kring.onion.errors import TestnetFailed, TorNotInstalled, TorStartFailed
from kring.onion.tor_process import LaunchedTor, TorrcLine, find_tor_binary, format_torrc

# Voting as fast as tor 0.4.9 allows: interval 10 s, vote and distribution delay 2 s each.
_VOTING_INTERVAL = 10
_VOTE_DELAY = 2
_DIST_DELAY = 2
# Seconds after the launch at which the first vote should go out: late enough for the relays'
# descriptors to have reached the authorities, early enough not to waste an interval. Measured
# with the keys kept between starts: 2 s and 3 s missed relays in 1 of 3-5 starts (a missed
# consensus costs a whole 10 s interval), 4 s and 5 s never did in 8 and 6 starts.
_FIRST_VOTE_AFTER = 4
# Flags a relay needs before onion circuits through it work (Stable matters most, see notes).
_NEEDED_FLAGS = frozenset({"Running", "Valid", "Fast", "Stable", "Guard", "HSDir"})
# Ports, fingerprints and authority identities of the last network in this folder.
_PLAN_FILE = "plan.json"
# Starts with a fresh port plan when a planned port was taken before tor could bind it.
_LAUNCH_ATTEMPTS = 3


def ports_free(ports: Sequence[int]) -> bool:
    """True if every port can be bound on 127.0.0.1 right now (as tor binds: SO_REUSEADDR)."""
    sockets = []
    try:
        for port in ports:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))
    except OSError:
        return False
    finally:
        for sock in sockets:
            sock.close()
    return True


def _certificate_valid(data_dir: Path, *, margin_days: int = 7) -> bool:
    """True if the authority certificate exists and expires more than ``margin_days`` away."""
    try:
        text = (data_dir / "keys" / "authority_certificate").read_text()
        expires = text.split("dir-key-expires ", 1)[1].splitlines()[0].strip()
        until = dt.datetime.strptime(expires, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)
    except (OSError, IndexError, ValueError):
        return False
    return until - dt.datetime.now(dt.UTC) > dt.timedelta(days=margin_days)


def _remove_children(folder: Path, *, keep: set[str] | frozenset[str] = frozenset()) -> None:
    """Delete everything in ``folder`` but the names in ``keep`` (links are removed, never
    followed)."""
    if not folder.is_dir() or folder.is_symlink():
        return
    for child in folder.iterdir():
        if child.name in keep:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _ephemeral_port_floor() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports that are free on 127.0.0.1 right now.

    Taken from just below the kernel's ephemeral range: ports the kernel hands out by itself
    (every outgoing connection between the nodes, every ``auto`` listener) come from that
    range, and one of them once took a planned DirPort before tor could bind it.

    Invariant: only loopback is ever probed or bound. The sockets stay open until all ports are
    chosen so no port is handed out twice; tor binds them moments later.
    """
    floor = _ephemeral_port_floor()
    low = max(1024, floor - 12000)
    candidates = random.sample(range(low, floor), k=min(floor - low, 200)) if floor > low else []
    sockets: list[socket.socket] = []
    try:
        for port in candidates:
            if len(sockets) == count:
                break
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                sock.close()
                continue
            sockets.append(sock)
        while len(sockets) < count:  # a crowded range: let the kernel choose the rest
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class _Node:
    nickname: str
    data_dir: Path
    or_port: int
    dir_port: int
    authority: bool
    fingerprint: str = ""
    v3ident: str = ""
    tor: LaunchedTor | None = None


class PrivateTorNetwork:
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
        self._nodes: list[_Node] = []
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
                (self.work_dir / _PLAN_FILE).unlink(missing_ok=True)
            except BaseException:
                self.close()
                raise

    def _launch_once(self) -> None:
        self.prepare_keys()
        self._write_authority_files()
        self.started_at = time.monotonic()
        offset = self._voting_start_offset()
        for node in self._nodes:
            node.tor = LaunchedTor(
                node.data_dir,
                tor_binary=self.tor_binary,
                extra_config=self._node_lines(node, offset),
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
        self._plan_nodes()
        self._make_keys()
        self._save_plan()

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
            *self._common_lines(),
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

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ---- setup ------------------------------------------------------------------------------

    def _plan_nodes(self) -> None:
        """Ports and names of every node; a saved plan is reused when its ports are free.

        Reusing the plan keeps each node's keys (``keys/``): tor-gencert's RSA-3072 authority
        keys and the relay identities cost ~3.5 s on two cores, most of a demo start. The
        authority certificate names its DirPort, so keys are only reused with the same ports.
        Everything else a node left behind (cached consensus, state, logs) is removed: a
        stale consensus must not steer the new network.
        """
        count = self._n_authorities + self._n_relays
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.work_dir.chmod(0o700)
        saved = self._load_plan(count)
        if saved is not None:
            self._nodes = saved
            # The onion host and client start fresh; each node keeps only its keys.
            _remove_children(self.work_dir, keep={_PLAN_FILE, *(n.nickname for n in saved)})
            for node in saved:
                _remove_children(node.data_dir, keep={"keys"})
            return
        _remove_children(self.work_dir)
        ports = free_ports(2 * count)
        self._nodes = []
        for i in range(count):
            authority = i < self._n_authorities
            nickname = f"auth{i}" if authority else f"relay{i - self._n_authorities}"
            self._nodes.append(
                _Node(
                    nickname=nickname,
                    data_dir=self.work_dir / nickname,
                    or_port=ports[2 * i],
                    dir_port=ports[2 * i + 1],
                    authority=authority,
                )
            )

    def _load_plan(self, count: int) -> list[_Node] | None:
        try:
            plan = json.loads((self.work_dir / _PLAN_FILE).read_text())
            nodes = [
                _Node(
                    nickname=entry["nickname"],
                    data_dir=self.work_dir / entry["nickname"],
                    or_port=int(entry["or_port"]),
                    dir_port=int(entry["dir_port"]),
                    authority=bool(entry["authority"]),
                    fingerprint=str(entry["fingerprint"]),
                    v3ident=str(entry["v3ident"]),
                )
                for entry in plan["nodes"]
            ]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        authorities = sum(1 for n in nodes if n.authority)
        if len(nodes) != count or authorities != self._n_authorities:
            return None
        if not all(n.nickname.isidentifier() and n.fingerprint for n in nodes):
            return None
        if any(n.authority and not n.v3ident for n in nodes):
            return None
        if not all((n.data_dir / "keys").is_dir() for n in nodes):
            return None
        if not all(_certificate_valid(n.data_dir) for n in nodes if n.authority):
            return None  # tor-gencert's certificates last 12 months: make new ones in time
        if not ports_free([port for n in nodes for port in (n.or_port, n.dir_port)]):
            return None
        return nodes

    def _save_plan(self) -> None:
        plan = {
            "nodes": [
                {
                    "nickname": n.nickname,
                    "or_port": n.or_port,
                    "dir_port": n.dir_port,
                    "authority": n.authority,
                    "fingerprint": n.fingerprint,
                    "v3ident": n.v3ident,
                }
                for n in self._nodes
            ]
        }
        (self.work_dir / _PLAN_FILE).write_text(json.dumps(plan, indent=1))

    def _make_keys(self) -> None:
        gencert = _find_binary(self.gencert_binary)
        tor = find_tor_binary(self.tor_binary)
        running: list[tuple[_Node, subprocess.Popen[bytes]]] = []
        # tor-gencert makes a 3072-bit RSA key (about 2 s): run the authorities in parallel.
        for node in self._nodes:
            keys = node.data_dir / "keys"
            keys.mkdir(parents=True, exist_ok=True, mode=0o700)
            node.data_dir.chmod(0o700)
            if node.authority and not (node.v3ident and (keys / "authority_certificate").exists()):
                proc = subprocess.Popen(
                    [
                        gencert,
                        "--create-identity-key",
                        "-m",
                        "12",
                        "-a",
                        f"127.0.0.1:{node.dir_port}",
                        "-i",
                        str(keys / "authority_identity_key"),
                        "-s",
                        str(keys / "authority_signing_key"),
                        "-c",
                        str(keys / "authority_certificate"),
                        "--passphrase-fd",
                        "0",
                    ],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
                running.append((node, proc))
        # The relay identity keys are made while tor-gencert runs (unless the plan knew them).
        listing = [
            (node, _start_fingerprint_listing(tor, node))
            for node in self._nodes
            if not node.fingerprint
        ]
        for node, proc in running:
            # An empty passphrase: these throw-away keys protect nothing outside the test net.
            _, err = proc.communicate(b"\n", timeout=60)
            if proc.returncode != 0:
                raise TestnetFailed(f"tor-gencert failed for {node.nickname}: {err.decode()}")
            cert = (node.data_dir / "keys" / "authority_certificate").read_text()
            node.v3ident = cert.split("fingerprint ", 1)[1].split()[0]
        for node, listing_proc in listing:
            node.fingerprint = _read_fingerprint(node, listing_proc)

    def _write_authority_files(self) -> None:
        # Keep the authorities out of circuits: with them in the consensus, the equal weights
        # below were measured to make path building slower, not faster.
        approved = "".join(f"!reject {n.fingerprint}\n" for n in self._nodes if n.authority)
        # Equal, made-up bandwidths: early self-measured values are 0-4 and would put all the
        # weight on one relay.
        bandwidths = f"{int(time.time())}\n" + "".join(
            f"node_id=${n.fingerprint} bw=1000\n" for n in self._nodes if not n.authority
        )
        for node in self._nodes:
            if node.authority:
                (node.data_dir / "approved-routers").write_text(approved)
                (node.data_dir / "bandwidths").write_text(bandwidths)

    def _voting_start_offset(self) -> int:
        # Voting periods start where (seconds since midnight UTC - offset) % interval == 0, and
        # votes go out vote+dist delay before that: pick the offset that puts the first vote
        # _FIRST_VOTE_AFTER seconds from now.
        first_period = int(time.time()) + _FIRST_VOTE_AFTER + _VOTE_DELAY + _DIST_DELAY
        return first_period % _VOTING_INTERVAL

    def _common_lines(self) -> list[TorrcLine]:
        lines: list[TorrcLine] = [("TestingTorNetwork", "1")]
        for node in self._nodes:
            if node.authority:
                lines.append(
                    (
                        "DirAuthority",
                        f"{node.nickname} orport={node.or_port} no-v2 v3ident={node.v3ident} "
                        f"127.0.0.1:{node.dir_port} {node.fingerprint}",
                    )
                )
        lines += [
            ("PathsNeededToBuildCircuits", "0.67"),
            ("TestingDirAuthVoteExit", "*"),
            ("TestingDirAuthVoteGuard", "*"),
            ("TestingDirAuthVoteHSDir", "*"),
            ("TestingMinExitFlagThreshold", "0"),
            ("V3AuthNIntervalsValid", "2"),
            ("GeoIPFile", "/dev/null"),
            ("GeoIPv6File", "/dev/null"),
            ("ShutdownWaitLength", "0"),
            ("ClientUseIPv6", "0"),
        ]
        return lines

    def _node_lines(self, node: _Node, voting_offset: int) -> list[TorrcLine]:
        lines = [
            *self._common_lines(),
            ("Nickname", node.nickname),
            ("Address", "127.0.0.1"),
            ("ORPort", f"127.0.0.1:{node.or_port}"),
            ("DirPort", f"127.0.0.1:{node.dir_port}"),
            ("ContactInfo", f"{node.nickname}@kring.invalid"),
            # No exits: onion services need none, and nothing here should reach any address.
            ("ExitPolicy", "reject *:*"),
            ("ExitRelay", "0"),
            # Without a finished circuit a tiny network cannot pass tor's reachability self-test.
            ("AssumeReachable", "1"),
            ("ServerDNSDetectHijacking", "0"),
            ("ServerDNSAllowBrokenConfig", "1"),
            ("ServerDNSResolvConfFile", "/dev/null"),
        ]
        if node.authority:
            lines += [
                ("AuthoritativeDirectory", "1"),
                ("V3AuthoritativeDirectory", "1"),
                # Onion circuits need Stable relays; by default only relays above the median
                # uptime get it, which leaves clients stuck for up to 90 s.
                ("AuthDirVoteStableGuaranteeMinUptime", "0"),
                ("AuthDirVoteStableGuaranteeMTBF", "0"),
                ("V3BandwidthsFile", str(node.data_dir / "bandwidths")),
                ("V3AuthVotingInterval", str(_VOTING_INTERVAL)),
                ("V3AuthVoteDelay", str(_VOTE_DELAY)),
                ("V3AuthDistDelay", str(_DIST_DELAY)),
                ("TestingV3AuthInitialVotingInterval", str(_VOTING_INTERVAL)),
                ("TestingV3AuthInitialVoteDelay", str(_VOTE_DELAY)),
                ("TestingV3AuthInitialDistDelay", str(_DIST_DELAY)),
                ("TestingV3AuthVotingStartOffset", str(voting_offset)),
            ]
        return lines

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


def _find_binary(name: str) -> str:
    try:
        return find_tor_binary(name)
    except TorNotInstalled:
        raise TorNotInstalled(name) from None


def _start_fingerprint_listing(tor: str, node: _Node) -> subprocess.Popen[str]:
    # --list-fingerprint creates the relay's identity key in its DataDirectory (the same key the
    # node uses later) and prints "nickname FPR IN GROUPS".
    torrc = node.data_dir / "fingerprint.torrc"
    torrc.write_text(
        format_torrc(
            [
                ("DataDirectory", str(node.data_dir)),
                ("ORPort", f"127.0.0.1:{node.or_port}"),
                ("Nickname", node.nickname),
            ]
        )
    )
    return subprocess.Popen(
        [tor, "--list-fingerprint", "--quiet", "-f", str(torrc), "--defaults-torrc", "/dev/null"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _read_fingerprint(node: _Node, proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=60)
    words = out.split()
    if proc.returncode != 0 or len(words) < 2 or words[0] != node.nickname:
        raise TestnetFailed(f"tor --list-fingerprint failed for {node.nickname}: {err}")
    return "".join(words[1:]).upper()


def format_lines(lines: Sequence[TorrcLine]) -> str:
    """The torrc text of ``lines`` (for the docs and for debugging a network by hand)."""
    return format_torrc(lines)
