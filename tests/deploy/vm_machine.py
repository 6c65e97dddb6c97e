"""A booted Debian machine under QEMU for the deploy test, reached over SSH on loopback.

The guest gets user-mode networking with ``restrict=on``: it reaches nothing, neither this
machine nor the outside; the only way in is SSH forwarded from a loopback port. Each machine
boots from its own copy-on-write overlay on the cached image, so a fresh machine costs no copy.
KVM is used where a guest kernel really runs under it, else TCG (on these machines KVM is
exposed but QEMU aborts setting an MSR, or the guest never starts).

Faults end the test with what explains them, never a hang: a machine that does not boot in
time fails with the tail of its console log, SSH that keeps refusing fails with ssh's last
words, and every wait has a bound.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import socket
import subprocess
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from tests.deploy.test_ansible import CACHE, tool
from tests.deploy.vm_image import ADMIN, Image

# Kernel options for an emulated test machine only (a production server keeps the defaults):
# no Spectre/Meltdown mitigations (page-table switches at every system call and retpolines
# cost most where every instruction is emulated, and the guest runs only our own test).
GUEST_SPEEDUPS = "mitigations=off"
BOOT_TIMEOUT = float(os.environ.get("KRING_VM_BOOT_TIMEOUT", "300"))
KVM_PROBE_SECONDS = 20.0
MEMORY_MB = 2048


@cache
def accelerator(kernel: Path) -> str:
    """"kvm" when a guest kernel actually runs under KVM here, else "tcg".

    The probe boots the image's kernel with no root file system: under working KVM it panics
    (and QEMU exits, -no-reboot) within seconds; where KVM is broken QEMU aborts or the guest
    hangs until the probe's bound. The verdict is cached per host kernel and QEMU version, so
    a broken KVM costs its bound once per machine. KRING_VM_ACCEL=kvm|tcg skips the probe.
    """
    chosen = os.environ.get("KRING_VM_ACCEL")
    if chosen:
        return chosen
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "tcg"
    qemu = tool("qemu-system-x86_64")
    version = subprocess.run([qemu, "--version"], capture_output=True, text=True,
                             check=False).stdout.splitlines()[:1]
    host = hashlib.sha256(f"{os.uname().release} {version}".encode()).hexdigest()[:16]
    verdict = CACHE / f"kvm-probe-{host}"
    if verdict.is_file():
        return verdict.read_text().strip()
    try:
        probe = subprocess.run(
            [qemu, "-accel", "kvm", "-cpu", "host", "-m", "256",
             "-display", "none", "-nodefaults", "-no-user-config", "-no-reboot",
             "-serial", "stdio", "-kernel", str(kernel), "-append", "console=ttyS0 panic=-1"],
            capture_output=True, text=True, timeout=KVM_PROBE_SECONDS, check=False)
        found = "kvm" if "Kernel panic" in probe.stdout else "tcg"
    except subprocess.TimeoutExpired:
        found = "tcg"
    CACHE.mkdir(parents=True, exist_ok=True)
    verdict.write_text(found + "\n")
    return found


def free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Machine:
    """One QEMU guest on an overlay of ``image``; ``folder`` holds its disk, console and SSH."""

    image: Image
    folder: Path
    name: str
    # The disk the overlay starts from: the image, or a machine's frozen disk (``freeze``).
    base: Path | None = None
    port: int = field(default_factory=free_loopback_port)
    process: subprocess.Popen[bytes] | None = None
    last_boot_id: str | None = None

    @property
    def console(self) -> Path:
        return self.folder / f"{self.name}-console.log"

    @property
    def overlay(self) -> Path:
        return self.folder / f"{self.name}.qcow2"

    # A throwaway machine with a new host key at every image build: nothing to pin.
    HOST_OPTIONS = ("-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                    "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                    "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=10")

    def ssh_options(self) -> list[str]:
        # One connection shared by every command: the firewall limits new SSH connections
        # per address and minute, and QEMU's user network makes them all come from one.
        return [*self.HOST_OPTIONS,
                "-o", "ControlMaster=auto", "-o", f"ControlPath={self.folder}/{self.name}.ssh",
                "-o", "ControlPersist=600", "-i", str(self.image.key), "-p", str(self.port)]

    def start(self) -> None:
        if not self.overlay.exists():
            base = self.base or self.image.disk
            made = subprocess.run(
                [tool("qemu-img"), "create", "-q", "-f", "qcow2",
                 "-F", "qcow2" if base.suffix == ".qcow2" else "raw",
                 "-b", str(base), str(self.overlay)],
                capture_output=True, text=True, check=False)
            assert made.returncode == 0, made.stderr
        accel = accelerator(self.image.kernel)
        command = [
            "nice", "-n", "5", tool("qemu-system-x86_64"), "-name", self.name,
            "-accel", accel if accel == "kvm" else "tcg,thread=multi",
            "-cpu", "host" if accel == "kvm" else "max", "-smp", "2", "-m", str(MEMORY_MB),
            "-display", "none", "-nodefaults", "-no-user-config",
            "-kernel", str(self.image.kernel), "-initrd", str(self.image.initrd),
            "-append", f"root=/dev/vda rw console=ttyS0 systemd.show_status=true {GUEST_SPEEDUPS}",
            # A throwaway disk: the host need not make the guest's syncs durable (a clean
            # QEMU exit still writes everything out, which ``freeze`` relies on).
            "-drive", f"file={self.overlay},if=virtio,format=qcow2,discard=unmap,cache=unsafe",
            "-netdev", f"user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:{self.port}-:22",
            "-device", "virtio-net-pci,netdev=net0,romfile=",
            "-device", "virtio-rng-pci",
            "-chardev", f"file,id=console,path={self.console},append=on",
            "-serial", "chardev:console",
        ]
        with open(self.folder / f"{self.name}-qemu.log", "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)

    def console_text(self) -> str:
        return self.console.read_text(errors="replace") if self.console.exists() else ""

    def console_tail(self, lines: int = 60) -> str:
        text = self.console_text()
        qemu_log = self.folder / f"{self.name}-qemu.log"
        qemu = qemu_log.read_text(errors="replace") if qemu_log.exists() else ""
        return ("\n".join(text.splitlines()[-lines:]) + f"\n--- qemu ---\n{qemu[-2000:]}"
                f"\n(console log: {self.console})")

    def ssh(self, command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """``command`` run by the guest's shell as the admin account (sudo for root)."""
        try:
            return subprocess.run(
                ["ssh", *self.ssh_options(), f"{ADMIN}@127.0.0.1", command],
                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout,
                check=False)
        except subprocess.TimeoutExpired:
            pytest.fail(f"`{command}` on {self.name} did not finish in {timeout:.0f} s\n"
                        f"{self.console_tail(20)}")

    def root(self, command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return self.ssh(f"sudo sh -c {shlex.quote(command)}", timeout=timeout)

    def root_bytes(self, command: str, data: bytes = b"", timeout: float = 300) -> bytes:
        """``command`` as root with ``data`` on its input; its output, or the test fails."""
        done = subprocess.run(
            ["ssh", *self.ssh_options(), f"{ADMIN}@127.0.0.1", f"sudo sh -c {shlex.quote(command)}"],
            input=data, capture_output=True, timeout=timeout, check=False)
        assert done.returncode == 0, f"`{command}` on {self.name}: {done.stderr.decode()}"
        return done.stdout

    def boot_id(self) -> str | None:
        done = self.ssh("cat /proc/sys/kernel/random/boot_id", timeout=30)
        return done.stdout.strip() if done.returncode == 0 else None

    def wait_for_ssh(self, timeout: float = BOOT_TIMEOUT, not_boot: str | None = None) -> str:
        """The boot id once SSH answers (and it differs from ``not_boot``); fails with the
        console log when QEMU exits or the machine is not up in ``timeout`` seconds."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"QEMU exited ({self.process.returncode}) before {self.name} "
                            f"answered on SSH:\n{self.console_tail()}")
            try:
                done = subprocess.run(
                    ["ssh", *self.ssh_options(), "-o", "ControlMaster=no",
                     f"{ADMIN}@127.0.0.1", "cat /proc/sys/kernel/random/boot_id"],
                    stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=40,
                    check=False)
            except subprocess.TimeoutExpired:
                last = "ssh timed out"
                continue
            boot = done.stdout.strip()
            if done.returncode == 0 and boot and boot != not_boot:
                self.last_boot_id = boot
                return boot
            last = done.stderr.strip() or f"same boot {boot}"
            time.sleep(6)  # under the firewall's limit of new SSH connections a minute
        pytest.fail(f"{self.name} did not answer on SSH within {timeout:.0f} s "
                    f"(last: {last}):\n{self.console_tail()}")

    def boot(self) -> str:
        self.start()
        return self.wait_for_ssh()

    def close_ssh(self) -> None:
        subprocess.run(["ssh", *self.ssh_options(), "-O", "exit", f"{ADMIN}@127.0.0.1"],
                       capture_output=True, check=False, timeout=30)

    def freeze(self, disk: Path) -> Path:
        """Power off and keep this machine's disk as ``disk``, a read-only base for machines
        started later (this one included, on a new overlay): the deployed state, copied for
        the cost of a rename."""
        self.stop()
        self.overlay.rename(disk)
        self.base = disk
        return disk

    def stop(self) -> None:
        """Power off (bounded), then make sure QEMU is gone."""
        if self.process is None or self.process.poll() is not None:
            return
        self.ssh("sudo systemd-run --on-active=2 systemctl poweroff", timeout=60)
        self.close_ssh()
        try:
            self.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
