"""Checks that the workstation is still air-gapped and keeps the key safe."""

from __future__ import annotations

import dataclasses
import os
import stat
from pathlib import Path

_IFF_UP = 0x1
_IFF_LOOPBACK = 0x8


@dataclasses.dataclass(frozen=True)
class Finding:
    """One problem found: what it is and what to do about it."""

    check: str
    message: str


def check_network(sys_class_net: Path = Path("/sys/class/net")) -> list[Finding]:
    """Report every network interface other than loopback that is up.

    Invariant: an air-gapped workstation has no interface up but ``lo``; any
    other (Ethernet, Wi-Fi, USB tethering, a VPN) is reported.
    """
    findings = []
    if not sys_class_net.is_dir():
        return [Finding("network", f"cannot read {sys_class_net}: check the network by hand")]
    for iface in sorted(sys_class_net.iterdir()):
        try:
            flags = int((iface / "flags").read_text().strip(), 16)
        except (OSError, ValueError):
            continue
        if flags & _IFF_LOOPBACK or not flags & _IFF_UP:
            continue
        state = _read(iface / "operstate") or "unknown"
        findings.append(
            Finding(
                "network",
                f"network interface {iface.name} is UP (link {state}): disconnect the cable, "
                "switch off Wi-Fi, or run `sudo ip link set "
                f"{iface.name} down`",
            )
        )
    return findings


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def _block_dir(dev: int, sys_dev_block: Path) -> Path:
    return sys_dev_block / f"{os.major(dev)}:{os.minor(dev)}"


def _encrypted_block(block: Path, depth: int = 0) -> bool:
    # dm-crypt devices have a dm uuid starting with CRYPT-; LVM or partitions
    # on top of one are encrypted if anything beneath them is.
    if depth > 8:
        return False
    if _read(block / "dm" / "uuid").startswith("CRYPT-"):
        return True
    if block.name.startswith("zram") or _read(block / "uevent").find("DEVNAME=zram") >= 0:
        return True  # compressed RAM, never on disk
    slaves = block / "slaves"
    if slaves.is_dir():
        for child in slaves.iterdir():
            if _encrypted_block(child.resolve(), depth + 1):
                return True
    # A partition: its parent disk folder has no dm/uuid; nothing more to find.
    return False


def check_swap(
    proc_swaps: Path = Path("/proc/swaps"), sys_dev_block: Path = Path("/sys/dev/block")
) -> list[Finding]:
    """Report swap that is not encrypted.

    Invariant: decrypted reports can be paged out to swap; swap must be
    dm-crypt (or zram, which stays in memory) or absent.
    """
    try:
        lines = proc_swaps.read_text().splitlines()[1:]
    except OSError:
        return [Finding("swap", f"cannot read {proc_swaps}: check swap by hand (swapon --show)")]
    findings = []
    for line in lines:
        fields = line.split()
        if not fields:
            continue
        name, kind = fields[0].replace("\\040", " "), fields[1] if len(fields) > 1 else ""
        try:
            info = os.stat(name)
            dev = info.st_rdev if stat.S_ISBLK(info.st_mode) else info.st_dev
            encrypted = Path(name).name.startswith("zram") or _encrypted_block(
                _block_dir(dev, sys_dev_block)
            )
        except OSError:
            encrypted = Path(name).name.startswith("zram")
        if not encrypted:
            findings.append(
                Finding(
                    "swap",
                    f"swap {name} ({kind}) is NOT encrypted: decrypted reports may be written "
                    f"to disk. Run `sudo swapoff {name}` and remove it from /etc/fstab, or "
                    "use encrypted swap",
                )
            )
    return findings


def check_gpg_home(home: Path) -> list[Finding]:
    """Report a gpg home that others could read or that is not the user's own.

    Invariant: the folder holding the confidant's secret key is 0700, owned
    by the user running the tool, and nothing inside is readable or writable
    by group or others.
    """
    if not home.exists():
        return [Finding("gpg home", f"{home} does not exist: run `kring-workstation keygen`")]
    findings = []
    info = home.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        findings.append(Finding("gpg home", f"{home} is not a plain folder"))
        return findings
    if info.st_uid != os.geteuid():
        findings.append(Finding("gpg home", f"{home} belongs to another user (uid {info.st_uid})"))
    if info.st_mode & 0o077:
        findings.append(
            Finding(
                "gpg home",
                f"{home} has mode {stat.S_IMODE(info.st_mode):04o}; "
                f"others may read your key: chmod 700 {home}",
            )
        )
    secret_parts = {"private-keys-v1.d", "openpgp-revocs.d"}
    for root, dirs, files in os.walk(home):
        for name in dirs + files:
            path = Path(root) / name
            try:
                mode = path.lstat().st_mode
            except OSError:
                continue
            if stat.S_ISSOCK(mode):
                continue  # the agent's sockets live here with their own modes
            # Public files (pubring.kbx) may be world-readable inside a 0700
            # home; secret ones may not, and nothing may be writable by others.
            secret = bool(secret_parts & set(path.relative_to(home).parts))
            if mode & (0o077 if secret else 0o022):
                findings.append(
                    Finding(
                        "gpg home",
                        f"{path} has mode {stat.S_IMODE(mode):04o}: chmod go-rwx {path}",
                    )
                )
    return findings
