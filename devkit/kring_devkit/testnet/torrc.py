"""The private network's torrc lines: fast voting, equal weights, loopback only, no exits.

Settings for tor 0.4.9 (their measurements are in docs/onion.md, "The private network"): every
relay assumes itself reachable, the authorities grant Stable at once and weigh the relays
equally through a bandwidth file, the authorities stay out of circuits, and voting runs as fast
as tor allows, with the first vote timed to come after the relays' descriptors.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from kring.onion.tor_control import TorrcLine, format_torrc
from kring_devkit.testnet.plan import Node

# Voting as fast as tor 0.4.9 allows: interval 10 s, vote and distribution delay 2 s each.
_VOTING_INTERVAL = 10
_VOTE_DELAY = 2
_DIST_DELAY = 2
# Seconds after the launch at which the first vote should go out: late enough for the relays'
# descriptors to have reached the authorities, early enough not to waste an interval. Measured
# with the keys kept between starts: 2 s and 3 s missed relays in 1 of 3-5 starts (a missed
# consensus costs a whole 10 s interval), 4 s and 5 s never did in 8 and 6 starts.
_FIRST_VOTE_AFTER = 4


def write_authority_files(nodes: Sequence[Node]) -> None:
    """Each authority's approved-routers (authorities rejected) and bandwidths (all equal)."""
    # Keep the authorities out of circuits: with them in the consensus, the equal weights
    # below were measured to make path building slower, not faster.
    approved = "".join(f"!reject {n.fingerprint}\n" for n in nodes if n.authority)
    # Equal, made-up bandwidths: early self-measured values are 0-4 and would put all the
    # weight on one relay.
    bandwidths = f"{int(time.time())}\n" + "".join(
        f"node_id=${n.fingerprint} bw=1000\n" for n in nodes if not n.authority
    )
    for node in nodes:
        if node.authority:
            (node.data_dir / "approved-routers").write_text(approved)
            (node.data_dir / "bandwidths").write_text(bandwidths)


def voting_start_offset() -> int:
    """The TestingV3AuthVotingStartOffset that puts the first vote _FIRST_VOTE_AFTER s away."""
    # Voting periods start where (seconds since midnight UTC - offset) % interval == 0, and
    # votes go out vote+dist delay before that.
    first_period = int(time.time()) + _FIRST_VOTE_AFTER + _VOTE_DELAY + _DIST_DELAY
    return first_period % _VOTING_INTERVAL


def common_lines(nodes: Sequence[Node]) -> list[TorrcLine]:
    """What every tor of the network has: the test-network switch and its authorities."""
    lines: list[TorrcLine] = [("TestingTorNetwork", "1")]
    for node in nodes:
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


def node_lines(node: Node, nodes: Sequence[Node], voting_offset: int) -> list[TorrcLine]:
    """The torrc of one relay or authority of ``nodes``; no exits, loopback only."""
    lines = [
        *common_lines(nodes),
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
        lines += _authority_lines(node, voting_offset)
    return lines


def _authority_lines(node: Node, voting_offset: int) -> list[TorrcLine]:
    return [
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


def format_lines(lines: Sequence[TorrcLine]) -> str:
    """The torrc text of ``lines`` (for the docs and for debugging a network by hand)."""
    return format_torrc(lines)
