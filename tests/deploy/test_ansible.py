"""The Ansible deployment, run for real against a Debian 12 root on this machine.

systemd is not PID 1 here and `systemd-nspawn -b` does not boot (see
docs/decisions.md), so the target is a debootstrap'd bookworm root reached with
Ansible's chroot connection. The inventory sets every role's ``*_activate``
to false: packages are installed, users made, code installed, the instance
initialised and migrated, keys made by tor, files rendered and units enabled,
but nothing is started, no sysctl is loaded and no ruleset is applied (they
would act on this machine's own kernel). The tests then check the result.

What the booted machine (test_vm.py) proves is not repeated here: the second run's
changed=0, the apps answering under their real units, backup and restore. This test
keeps what only it shows: the playbook with every activation switch off (the way to
prepare an image), the packages installed from the real Debian mirror (the booted
machine has them baked in and reaches no network), and the owners, modes and
rendered files checked directly on the tree, tor --verify-config, systemd-analyze
verify of every unit, nft --check, and the onion page's view of tor's folders.

The root is cached as a tarball (KRING_CI_CACHE, default /var/cache/kring-ci)
and rebuilt with debootstrap when missing. What this does not cover, and how to
run the playbook against a real VM: docs/operations.md.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = [pytest.mark.deploy, pytest.mark.slow, pytest.mark.timeout(1500)]

REPO = Path(__file__).resolve().parents[2]
ANSIBLE_DIR = REPO / "ansible"
CACHE = Path(os.environ.get("KRING_CI_CACHE", "/var/cache/kring-ci"))
ROOTFS_TAR = CACHE / "bookworm-rootfs.tar"
MIRROR = os.environ.get("KRING_CI_MIRROR", "http://deb.debian.org/debian")
# What a minimal Debian 12 server install has that matters here: systemd,
# python3 (Ansible needs it) and an SSH server.
BASE_PACKAGES = "systemd,systemd-sysv,dbus,python3,openssh-server,ca-certificates,iproute2"
TOR_DEFAULTS = "/usr/share/tor/tor-service-defaults-torrc"
INSTANCE = "var/lib/kring/instance"
RECAP = re.compile(r"^target\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)",
                   re.MULTILINE)


def tool(name: str) -> str:
    """A tool from the project venv or the system; fail (never skip) when missing."""
    venv_tool = Path(sys.executable).parent / name
    if venv_tool.exists():
        return str(venv_tool)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: run scripts/setup.sh --dev "
                    "(apt: debootstrap, systemd; pip: the dev extra's ansible, ansible-lint)")
    return found


def run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]


def ensure_rootfs_tar() -> Path:
    """The cached bookworm root as a tarball, built with debootstrap when missing."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run may be building it right now
        if ROOTFS_TAR.exists():
            return ROOTFS_TAR
        build = CACHE / f"build-{os.getpid()}"
        shutil.rmtree(build, ignore_errors=True)
        done = run(tool("debootstrap"), "--variant=minbase", f"--include={BASE_PACKAGES}",
                   "bookworm", str(build), MIRROR)
        if done.returncode:
            pytest.fail(f"debootstrap failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        partial = ROOTFS_TAR.with_suffix(".partial")
        tarred = run("tar", "--create", "--numeric-owner", "--file", str(partial),
                     "--directory", str(build), ".")
        shutil.rmtree(build, ignore_errors=True)
        assert tarred.returncode == 0, tarred.stderr
        partial.rename(ROOTFS_TAR)
        return ROOTFS_TAR


# Mounts /proc, /dev and /dev/pts under the root inside a private mount namespace, then runs
# the command there. The mounts exist only as long as that command (and its children) live,
# so a killed test run leaves nothing mounted under /tmp: a leftover /proc there once made a
# later scan of /tmp block on /proc/kmsg, and a cleanup walking a leftover /dev bind would
# delete this machine's device nodes.
MOUNT_AND_EXEC = """set -e
root=$1; shift
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
exec "$@"
"""


def with_root_mounts(root: Path, *command: str) -> list[str]:
    """``command`` wrapped to run in its own mount namespace with the root's /proc and /dev."""
    return ["unshare", "--mount", "--propagation", "private", "--",
            "sh", "-c", MOUNT_AND_EXEC, "sh", str(root), *command]


def prepared_root(root: Path) -> Path:
    """Unpack the cached root; commands get /proc and /dev through ``with_root_mounts``."""
    root.mkdir()
    unpacked = run("tar", "--extract", "--numeric-owner", "--file", str(ensure_rootfs_tar()),
                   "--directory", str(root))
    assert unpacked.returncode == 0, unpacked.stderr
    # As in any Debian chroot: packages must not start their daemons here.
    policy = root / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")
    policy.chmod(0o755)
    shutil.copyfile("/etc/resolv.conf", root / "etc/resolv.conf")
    for sub in ("proc", "dev", "dev/pts"):
        (root / sub).mkdir(exist_ok=True)
    return root


@dataclass
class Deployment:
    root: Path
    inventory: Path
    client_public: str
    runs: list[tuple[subprocess.CompletedProcess[str], float]]

    def chroot(self, *args: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
        spec = [f"--userspec={user}:{user}"] if user else []
        return run(*with_root_mounts(self.root, "chroot", *spec, str(self.root), *args))


def snapshot_source(folder: Path) -> Path:
    """The committed tree (as CI's clean clone has it): colleagues' uncommitted edits in a
    shared work tree, or edits made during the run, must not count as changes."""
    source = folder / "src"
    if (REPO / ".git").exists():
        source.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", "HEAD"], capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "--extract", "--directory", str(source)], input=archive,
                       check=True)
        return source
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis",
        "instance", "demo-instance", "test-artifacts", ".wheelhouse"))
    return source


def write_inventory(folder: Path, root: Path, client_public: str) -> Path:
    inventory = folder / "hosts.yml"
    inventory.write_text(f"""---
kring_servers:
  hosts:
    target:
      ansible_connection: community.general.chroot
      ansible_host: {root}
      ansible_python_interpreter: /usr/bin/python3
  vars:
    kring_common_activate: false
    kring_firewall_activate: false
    kring_tor_activate: false
    kring_activate: false
    kring_backup_activate: false
    kring_wheelhouse_local: {folder / "wheelhouse"}
    kring_source_dir: {snapshot_source(folder)}
    kring_organisation_name: "Test BV"
    kring_tor_journalist_clients:
      - name: anna
        public_key: "{client_public}"
""")
    return inventory


def playbook(root: Path, inventory: Path, playbook_name: str,
             *extra: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = dict(os.environ, ANSIBLE_CONFIG=str(ANSIBLE_DIR / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_HOST_KEY_CHECKING="0", PYTHONWARNINGS="ignore")
    started = time.monotonic()
    result = run(*with_root_mounts(root, tool("ansible-playbook"), "-i", str(inventory),
                                   playbook_name, *extra), cwd=ANSIBLE_DIR, env=env)
    return result, time.monotonic() - started


def recap(result: subprocess.CompletedProcess[str]) -> dict[str, int]:
    match = RECAP.search(result.stdout)
    assert match, f"no PLAY RECAP:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    ok, changed, unreachable, failed = (int(g) for g in match.groups())
    return {"ok": ok, "changed": changed, "unreachable": unreachable, "failed": failed}


def tail(result: subprocess.CompletedProcess[str]) -> str:
    return f"{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    from kring.onion.keys import generate_client_keypair

    for name in ("ansible-playbook", "debootstrap", "chroot", "tar", "mount", "unshare"):
        tool(name)
    work = tmp_path_factory.mktemp("deploy")
    client_public = generate_client_keypair().public_b32
    root = prepared_root(work / "root")
    inventory = write_inventory(work, root, client_public)
    return Deployment(root, inventory, client_public, [playbook(root, inventory, "site.yml")])


def test_syntax_check_and_lint() -> None:
    syntax = run(tool("ansible-playbook"), "-i", "inventory/example/hosts.yml", "--syntax-check",
                 "site.yml", "restore.yml", cwd=ANSIBLE_DIR)
    assert syntax.returncode == 0, tail(syntax)
    lint = run(tool("ansible-lint"), "--profile", "production", "site.yml", "restore.yml",
               "roles", cwd=ANSIBLE_DIR, env=dict(os.environ, NO_COLOR="1"))
    assert lint.returncode == 0, tail(lint)


def test_first_run_succeeds(deployment: Deployment) -> None:
    result, seconds = deployment.runs[0]
    assert result.returncode == 0, tail(result)
    assert recap(result)["failed"] == 0
    print(f"first run: {seconds:.0f} s, {recap(result)}")


def passwd(root: Path, name: str) -> dict[str, list[str]]:
    return {line.split(":")[0]: line.split(":") for line in
            (root / "etc" / name).read_text().splitlines() if line}


def test_users_and_groups(deployment: Deployment) -> None:
    users, groups = passwd(deployment.root, "passwd"), passwd(deployment.root, "group")
    kring = users["kring"]
    assert int(kring[2]) < 1000, "kring must be a system user"
    assert kring[5] == "/var/lib/kring" and kring[6] == "/usr/sbin/nologin"
    assert groups["kring"][2] == kring[3]
    assert "debian-tor" in users
    shadow = passwd(deployment.root, "shadow")
    assert shadow["kring"][1] in {"!", "*", "!*"}, "kring must have no password"


def owner_mode(path: Path) -> tuple[int, int]:
    st = path.lstat()
    return st.st_uid, st.st_mode & 0o7777


def test_modes_and_owners(deployment: Deployment) -> None:
    root = deployment.root
    users = passwd(root, "passwd")
    tor_uid, kring_uid = int(users["debian-tor"][2]), int(users["kring"][2])
    for service in ("kring-source", "kring-journalist"):
        folder = root / "var/lib/tor" / service
        assert owner_mode(folder) == (tor_uid, 0o700)
        for name in ("hs_ed25519_secret_key", "hs_ed25519_public_key", "hostname"):
            assert owner_mode(folder / name) == (tor_uid, 0o600), f"{service}/{name}"
    auth = root / "var/lib/tor/kring-journalist/authorized_clients/anna.auth"
    assert owner_mode(auth) == (tor_uid, 0o600)
    assert auth.read_text() == f"descriptor:x25519:{deployment.client_public}\n"
    assert owner_mode(root / INSTANCE) == (kring_uid, 0o700)
    assert owner_mode(root / INSTANCE / "kring.toml") == (kring_uid, 0o600)
    assert owner_mode(root / INSTANCE / "store") == (kring_uid, 0o700)
    assert owner_mode(root / "var/lib/kring") == (kring_uid, 0o700)
    assert owner_mode(root / "var/backups/kring") == (0, 0o700)
    # The code belongs to root: the app cannot rewrite itself.
    assert owner_mode(root / "opt/kring/venv/bin/gunicorn")[0] == 0
    assert (root / "opt/kring/venv/bin/gunicorn").stat().st_mode & 0o022 == 0
    assert owner_mode(root / "etc/nftables.conf") == (0, 0o600)


def test_onion_keys_are_tors_and_addresses_match(deployment: Deployment) -> None:
    from kring.onion.keys import onion_service_id

    for service in ("kring-source", "kring-journalist"):
        folder = deployment.root / "var/lib/tor" / service
        public = (folder / "hs_ed25519_public_key").read_bytes()
        assert public.startswith(b"== ed25519v1-public: type0 ==")
        assert (folder / "hs_ed25519_secret_key").read_bytes().startswith(
            b"== ed25519v1-secret: type0 ==")
        hostname = (folder / "hostname").read_text().strip()
        assert hostname == onion_service_id(public[32:]) + ".onion"


def test_torrc_passes_tor_verify_config(deployment: Deployment) -> None:
    torrc = (deployment.root / "etc/tor/torrc").read_text()
    assert "HiddenServiceDir /var/lib/tor/kring-source" in torrc
    assert "HiddenServiceDir /var/lib/tor/kring-journalist" in torrc
    assert "Log notice syslog" in torrc and "SafeLogging 1" in torrc
    assert not re.search(r"^\s*SafeLogging\s+0", torrc, re.MULTILINE)
    checked = deployment.chroot("tor", "--verify-config", "--defaults-torrc", TOR_DEFAULTS,
                                "-f", "/etc/tor/torrc")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Configuration was valid" in checked.stdout


def test_units_pass_systemd_analyze_verify(deployment: Deployment) -> None:
    units = ["kring-source.service", "kring-journalist.service", "kring-backup.service",
             "kring-retention.service", "kring-retention.timer",
             "kring-scrub.service", "kring-scrub.timer", "kring-backup.timer"]
    verified = deployment.chroot("systemd-analyze", "verify",
                                 *(f"/etc/systemd/system/{unit}" for unit in units))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    unit = (deployment.root / "etc/systemd/system/kring-source.service").read_text()
    for option in ("ProtectSystem=strict", "PrivateTmp=yes", "NoNewPrivileges=yes",
                   "RestrictAddressFamilies=AF_UNIX", "LimitCORE=0", "User=kring"):
        assert option in unit
    wants = deployment.root / "etc/systemd/system/multi-user.target.wants"
    assert (wants / "kring-source.service").is_symlink()
    assert (wants / "tor.service").is_symlink()
    timers = deployment.root / "etc/systemd/system/timers.target.wants"
    # Absolute links into the target: is_symlink, since exists() would follow them on the host.
    assert (timers / "kring-backup.timer").is_symlink()
    assert (timers / "kring-retention.timer").is_symlink()
    assert (timers / "kring-scrub.timer").is_symlink()
    scrub_timer = (deployment.root / "etc/systemd/system/kring-scrub.timer").read_text()
    assert "OnCalendar=hourly" in scrub_timer and "RandomizedDelaySec=0" in scrub_timer


def test_logs_keep_nothing(deployment: Deployment) -> None:
    root = deployment.root
    journald = (root / "etc/systemd/journald.conf.d/90-kring.conf").read_text()
    assert "Storage=volatile" in journald and "MaxRetentionSec=" in journald
    assert not (root / "var/log/journal").exists()
    assert not (root / "usr/sbin/rsyslogd").exists()
    fstab = (root / "etc/fstab").read_text()
    assert re.search(r"^tmpfs\s+/tmp\s+tmpfs", fstab, re.MULTILINE)
    assert (root / "etc/systemd/system/swap.target").resolve() == Path("/dev/null") or \
        os.readlink(root / "etc/systemd/system/swap.target") == "/dev/null"
    sysctl = (root / "etc/sysctl.d/90-kring.conf").read_text()
    assert "kernel.core_pattern = |/bin/false" in sysctl


def test_firewall_ruleset_passes_nft_check(deployment: Deployment) -> None:
    ruleset = (deployment.root / "etc/nftables.conf").read_text()
    assert ruleset.count("policy drop") == 3
    checked = deployment.chroot("nft", "--check", "--file", "/etc/nftables.conf")
    assert checked.returncode == 0, checked.stderr


def test_onion_layout_lists_the_deployed_services_and_revoke_reaches_tor(
        deployment: Deployment) -> None:
    """The onion page's code, run as the app's user, sees tor's deployed services,
    and `kring onion client revoke` removes the key from tor's own folder."""
    root = deployment.root
    toml = (root / INSTANCE / "kring.toml").read_text()
    assert 'onion_layout = "system"' in toml
    assert 'onion_journalist_dir = "/var/lib/tor/kring-journalist"' in toml
    addresses = [(root / "var/lib/tor" / service / "hostname").read_text().strip()
                 for service in ("kring-source", "kring-journalist")]
    # The same calls the onion admin page makes (kring.journalist_ui.onion_admin).
    probe = ("from kring.core.settings import load_settings\n"
             "from kring.web.onion_layout import onion_layout\n"
             f"layout = onion_layout(load_settings({{'KRING_INSTANCE': '/{INSTANCE}'}}))\n"
             "print(layout.address('source'), layout.address('journalist'),"
             " *layout.client_names())\n")
    python = "/opt/kring/venv/bin/python"
    seen = deployment.chroot(python, "-c", probe, user="kring")
    assert seen.returncode == 0, seen.stderr
    assert seen.stdout.split() == [*addresses, "anna"]
    revoked = deployment.chroot("/opt/kring/venv/bin/kring", "onion", "client", "revoke",
                                "--instance", f"/{INSTANCE}", "anna")
    assert revoked.returncode == 0, revoked.stderr
    assert "systemctl reload tor" in revoked.stdout
    assert not (root / "var/lib/tor/kring-journalist/authorized_clients/anna.auth").exists()
    seen = deployment.chroot(python, "-c", probe, user="kring")
    assert seen.stdout.split() == addresses, seen.stderr
