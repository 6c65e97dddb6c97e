"""The private network's throw-away keys: authority certificates and relay identities.

Invariant: every key is made inside its node's data folder (mode 0700) and protects nothing
outside the test network (the authority keys have an empty passphrase).
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from kring.onion.errors import TestnetFailed, TorNotInstalled
from kring.onion.tor_control import find_tor_binary, format_torrc
from kring_devkit.testnet.plan import Node


def make_keys(nodes: Sequence[Node], *, tor_binary: str, gencert_binary: str) -> None:
    """Give every node its keys (unless the plan kept them): v3ident and fingerprint set."""
    gencert = _find_binary(gencert_binary)
    tor = find_tor_binary(tor_binary)
    for node in nodes:
        (node.data_dir / "keys").mkdir(parents=True, exist_ok=True, mode=0o700)
        node.data_dir.chmod(0o700)
    # tor-gencert makes a 3072-bit RSA key (about 2 s): run the authorities in parallel.
    running = [(node, _start_gencert(gencert, node)) for node in nodes if _needs_certificate(node)]
    # The relay identity keys are made while tor-gencert runs (unless the plan knew them).
    listing = [
        (node, _start_fingerprint_listing(tor, node)) for node in nodes if not node.fingerprint
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


def _needs_certificate(node: Node) -> bool:
    certificate = node.data_dir / "keys" / "authority_certificate"
    return node.authority and not (node.v3ident and certificate.exists())


def _start_gencert(gencert: str, node: Node) -> subprocess.Popen[bytes]:
    keys = node.data_dir / "keys"
    return subprocess.Popen(
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


def _find_binary(name: str) -> str:
    try:
        return find_tor_binary(name)
    except TorNotInstalled:
        raise TorNotInstalled(name) from None


def _start_fingerprint_listing(tor: str, node: Node) -> subprocess.Popen[str]:
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


def _read_fingerprint(node: Node, proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=60)
    words = out.split()
    if proc.returncode != 0 or len(words) < 2 or words[0] != node.nickname:
        raise TestnetFailed(f"tor --list-fingerprint failed for {node.nickname}: {err}")
    return "".join(words[1:]).upper()
