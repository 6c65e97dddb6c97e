"""The test machine's disk: Debian 12 from Debian's packages only, cached between runs.

The image is the deploy test's cached debootstrap root plus Debian's kernel, sudo, an admin
account with a throwaway SSH key made here, and the packages the playbook installs (so the
guest, which reaches no network, finds them installed; the chroot test installs them from the
real mirror). apt inside the guest points at a local repository holding exactly those .debs,
so the playbook's `apt` tasks (with their cache update) run as in production.

The disk is an ext4 file system made from the root folder with ``mkfs.ext4 -d`` (no loop
device, no partition table); QEMU boots the image's own kernel and initrd directly. The
result lives under KRING_CI_CACHE in a folder named after a hash of every input (this file,
the root tarball, the role defaults that name packages), so a change to any of them builds a
new image and an unchanged tree reuses it.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.deploy.test_ansible import (
    ANSIBLE_DIR,
    CACHE,
    ensure_rootfs_tar,
    run,
    tool,
    with_root_mounts,
)

IMAGE_SIZE = "8G"
ADMIN = "admin"
# Packages the roles install with ansible.builtin.apt by literal name in their tasks (the
# defaults' lists are read from the roles themselves).
TASK_PACKAGES = ["tor", "apparmor", "nftables"]
DEFAULT_PACKAGE_LISTS = [("kring", "kring_packages"), ("kring_common", "kring_common_packages")]
# What the machine itself needs: a kernel that boots, sudo for the admin account, and the tools
# the local apt repository is made with.
MACHINE_PACKAGES = ["linux-image-amd64", "sudo", "apt-utils"]
LOCAL_REPO = "/var/lib/kring-test-apt"

NETWORK = """[Match]
Name=en*

[Network]
DHCP=ipv4
"""


@dataclass(frozen=True)
class Image:
    """A built image: the disk (raw ext4), its kernel and initrd, and the admin's SSH key."""

    disk: Path
    kernel: Path
    initrd: Path
    key: Path


def playbook_packages() -> list[str]:
    """Every package the roles install, read from their defaults and tasks."""
    names = list(TASK_PACKAGES)
    for role, variable in DEFAULT_PACKAGE_LISTS:
        defaults = yaml.safe_load((ANSIBLE_DIR / "roles" / role / "defaults/main.yml").read_text())
        names += [str(name) for name in defaults[variable]]
    return sorted(set(names))


def image_key(rootfs: Path) -> str:
    """A hash of everything the image is made from: rebuilt when any of it changes."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    stat = rootfs.stat()
    digest.update(f"{rootfs.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    digest.update(" ".join(playbook_packages() + MACHINE_PACKAGES).encode())
    return digest.hexdigest()[:16]


def ensure_image() -> Image:
    """The cached image, built when missing (under a lock: another run may be building it)."""
    rootfs = ensure_rootfs_tar()
    folder = CACHE / f"vm-{image_key(rootfs)}"
    image = Image(folder / "disk.raw", folder / "vmlinuz", folder / "initrd.img",
                  folder / "id_ed25519")
    with open(CACHE / ".vm-lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (folder / "done").exists():
            return image
        for old in CACHE.glob("vm-*"):
            shutil.rmtree(old, ignore_errors=True)  # images of other inputs: 2 GiB each
        folder.mkdir(parents=True)
        build_image(rootfs, folder, image)
        (folder / "done").write_text("ok\n")
    return image


def chroot(root: Path, script: str) -> None:
    """Run a shell script in the root with /proc and /dev; fail the test with its output."""
    done = run(*with_root_mounts(root, "chroot", str(root), "/bin/sh", "-euxc", script))
    if done.returncode:
        pytest.fail(f"image build step failed:\n{script}\n{done.stdout[-3000:]}\n"
                    f"{done.stderr[-5000:]}")


def build_image(rootfs: Path, folder: Path, image: Image) -> None:
    root = folder / "root"
    root.mkdir()
    unpacked = run("tar", "--extract", "--numeric-owner", "--file", str(rootfs),
                   "--directory", str(root))
    assert unpacked.returncode == 0, unpacked.stderr
    for sub in ("proc", "dev", "dev/pts"):
        (root / sub).mkdir(exist_ok=True)
    policy = root / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")  # no daemon starts while building
    policy.chmod(0o755)
    shutil.copyfile("/etc/resolv.conf", root / "etc/resolv.conf")
    packages = " ".join(MACHINE_PACKAGES + playbook_packages())
    chroot(root, f"""
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends {packages}
# The guest's own apt source: the .debs installed above, as a signed-off local repository.
mkdir -p {LOCAL_REPO}
mv /var/cache/apt/archives/*.deb {LOCAL_REPO}/
cd {LOCAL_REPO}
apt-ftparchive packages . > Packages
apt-ftparchive release . > Release
echo 'deb [trusted=yes] file:{LOCAL_REPO} ./' > /etc/apt/sources.list
rm -f /etc/apt/sources.list.d/*
apt-get update -qq
apt-get clean
useradd --create-home --shell /bin/bash {ADMIN}
echo '{ADMIN} ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/{ADMIN}
chmod 0440 /etc/sudoers.d/{ADMIN}
systemctl enable systemd-networkd ssh
""")
    ssh_keygen = run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kring-vm-test",
                     "-f", str(image.key))
    assert ssh_keygen.returncode == 0, ssh_keygen.stderr
    ssh_dir = root / "home" / ADMIN / ".ssh"
    ssh_dir.mkdir(mode=0o700)
    (ssh_dir / "authorized_keys").write_text(image.key.with_suffix(".pub").read_text())
    chroot(root, f"chown -R {ADMIN}: /home/{ADMIN}/.ssh && chmod 0600 "
                 f"/home/{ADMIN}/.ssh/authorized_keys")
    (root / "etc/systemd/network/80-kring-test.network").write_text(NETWORK)
    (root / "etc/hostname").write_text("kring-vm\n")
    (root / "etc/hosts").write_text("127.0.0.1 localhost\n127.0.1.1 kring-vm\n")
    (root / "etc/fstab").write_text("/dev/vda / ext4 rw,errors=remount-ro 0 1\n")
    (root / "etc/resolv.conf").write_text("")  # the guest reaches no name server
    policy.unlink()
    shutil.copyfile(next((root / "boot").glob("vmlinuz-*")), image.kernel)
    shutil.copyfile(next((root / "boot").glob("initrd.img-*")), image.initrd)
    made = run(tool("mkfs.ext4"), "-q", "-F", "-L", "kring-root", "-d", str(root),
               str(image.disk), IMAGE_SIZE)
    shutil.rmtree(root, ignore_errors=True)
    if made.returncode:
        pytest.fail(f"mkfs.ext4 -d failed:\n{made.stderr[-3000:]}")
