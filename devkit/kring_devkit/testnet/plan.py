"""The plan of a private Tor network: each node's name, ports and identities, kept between starts.

Reusing the plan keeps each node's keys (``keys/``): tor-gencert's RSA-3072 authority keys and
the relay identities cost ~3.5 s on two cores, most of a demo start. The authority certificate
names its DirPort, so keys are only reused with the same ports. Everything else a node left
behind (cached consensus, state, logs) is removed: a stale consensus must not steer the new
network.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from kring.onion.tor_process import LaunchedTor
from kring_devkit.testnet.ports import free_ports, ports_free

# Ports, fingerprints and authority identities of the last network in this folder.
PLAN_FILE = "plan.json"


@dataclass
class Node:
    """One authority or relay: where its data lives, its ports, its identities, its tor."""

    nickname: str
    data_dir: Path
    or_port: int
    dir_port: int
    authority: bool
    fingerprint: str = ""
    v3ident: str = ""
    tor: LaunchedTor | None = None


def plan_nodes(work_dir: Path, *, authorities: int, relays: int) -> list[Node]:
    """Ports and names of every node; a saved plan is reused when its ports are free.

    Invariant: whatever an earlier network left in ``work_dir`` beyond the reused nodes' keys
    is removed first.
    """
    count = authorities + relays
    work_dir.mkdir(parents=True, exist_ok=True)
    work_dir.chmod(0o700)
    saved = _load_plan(work_dir, count, authorities)
    if saved is not None:
        # The onion host and client start fresh; each node keeps only its keys.
        _remove_children(work_dir, keep={PLAN_FILE, *(n.nickname for n in saved)})
        for node in saved:
            _remove_children(node.data_dir, keep={"keys"})
        return saved
    _remove_children(work_dir)
    ports = free_ports(2 * count)
    nodes = []
    for i in range(count):
        authority = i < authorities
        nickname = f"auth{i}" if authority else f"relay{i - authorities}"
        nodes.append(
            Node(
                nickname=nickname,
                data_dir=work_dir / nickname,
                or_port=ports[2 * i],
                dir_port=ports[2 * i + 1],
                authority=authority,
            )
        )
    return nodes


def _load_plan(work_dir: Path, count: int, authorities: int) -> list[Node] | None:
    try:
        plan = json.loads((work_dir / PLAN_FILE).read_text())
        nodes = [
            Node(
                nickname=entry["nickname"],
                data_dir=work_dir / entry["nickname"],
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
    return nodes if _reusable(nodes, count, authorities) else None


def _reusable(nodes: list[Node], count: int, authorities: int) -> bool:
    if len(nodes) != count or sum(1 for n in nodes if n.authority) != authorities:
        return False
    if not all(n.nickname.isidentifier() and n.fingerprint for n in nodes):
        return False
    if any(n.authority and not n.v3ident for n in nodes):
        return False
    if not all((n.data_dir / "keys").is_dir() for n in nodes):
        return False
    if not all(_certificate_valid(n.data_dir) for n in nodes if n.authority):
        return False  # tor-gencert's certificates last 12 months: make new ones in time
    return ports_free([port for n in nodes for port in (n.or_port, n.dir_port)])


def save_plan(work_dir: Path, nodes: list[Node]) -> None:
    """Keep the plan (names, ports, identities) for the next start in ``work_dir``."""
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
            for n in nodes
        ]
    }
    (work_dir / PLAN_FILE).write_text(json.dumps(plan, indent=1))


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
