"""Shared fixtures: real gpg keys, a real instance on tmp_path, the source app.

Keys are generated here for every test session; none is committed.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kring.core.accounts.confidants import add_confidant
from kring.core.context import CoreContext, build_context
from kring.core.instance import init_instance
from kring.core.settings import KdfCost, Settings
from kring.crypto.gpg import GpgHome

# Unit tests use a cheap KDF; the real cost is exercised by
# tests/core/test_kdf_and_throttle.py::test_default_cost_takes_real_time, by the
# gunicorn tests (their instances keep the default cost) and by the benches.
CHEAP_KDF = KdfCost(time_cost=1, memory_kib=1024, parallelism=1)


@dataclasses.dataclass(frozen=True)
class ConfidantKeyPair:
    """A confidant's key pair in its own gpg home (the 'workstation' side)."""

    home: GpgHome
    public_key: str
    fingerprint: str

    def decrypt(self, ciphertext: bytes) -> tuple[bytes, str]:
        """Decrypt with this confidant's private key; return (plaintext, embedded name)."""
        out = self.home.run(["--status-fd", "2", "--decrypt"], input_bytes=ciphertext)
        assert _opened(out), out.stderr.decode()
        name = ""
        for line in out.stderr.decode().splitlines():
            if line.startswith("[GNUPG:] PLAINTEXT "):
                parts = line.split(" ", 4)
                name = parts[4] if len(parts) > 4 else ""
        return out.stdout, name

    def can_decrypt(self, ciphertext: bytes) -> bool:
        """Whether this key opens the ciphertext."""
        out = self.home.run(["--status-fd", "2", "--decrypt"], input_bytes=ciphertext)
        return _opened(out)


def _opened(out: subprocess.CompletedProcess[bytes]) -> bool:
    """gpg decrypted it. Reporter items are signed by a key this home does not hold:
    gpg then says "Can't check signature: No public key" and exits 2 after printing
    the plaintext; a plain ``gpg --decrypt`` still gives the confidant the text.
    """
    status = out.stderr.decode("utf-8", "replace")
    if out.returncode == 0:
        return True
    return (
        out.returncode == 2
        and "[GNUPG:] DECRYPTION_OKAY" in status
        and "[GNUPG:] NO_PUBKEY" in status
        and "[GNUPG:] BADSIG" not in status
    )


def make_confidant_key(home_dir: Path, name: str) -> ConfidantKeyPair:
    """Generate an unprotected Curve25519 key pair for tests."""
    home = GpgHome(home_dir).ensure()
    params = (
        "%no-protection\nKey-Type: EDDSA\nKey-Curve: ed25519\nSubkey-Type: ECDH\n"
        f"Subkey-Curve: cv25519\nName-Real: {name}\nExpire-Date: 0\n%commit\n"
    )
    made = home.run(["--status-fd", "2", "--gen-key"], input_bytes=params.encode())
    assert made.returncode == 0, made.stderr.decode()
    public = home.run(["--armor", "--export"]).stdout.decode()
    fpr = ""
    for line in made.stderr.decode().splitlines():
        if "KEY_CREATED" in line:
            fpr = line.split()[-1]
    return ConfidantKeyPair(home=home, public_key=public, fingerprint=fpr)


def eventually(condition: Callable[[], object], seconds: float) -> bool:
    """Whether ``condition()`` turns true within ``seconds`` (asked every 50 ms)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def private_tmpfs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private stand-in for /dev/shm that this test's throwaway gpg homes go under.

    Other runs of the same user share /dev/shm/kring-gpg-<uid>: their homes would show in
    a listing, and their key operations would move the folder's times mid-assertion. The
    agents of any homes left are stopped after the test.
    """
    import kring.crypto.ephemeral as ephemeral

    shm = "/dev/shm"  # noqa: S108 - mkdtemp gives a private 0700 folder
    base = Path(tempfile.mkdtemp(prefix="kring-test-shm-", dir=shm if Path(shm).is_dir() else None))
    monkeypatch.setattr(ephemeral, "TMPFS_DIR", base)
    yield base
    for home in base.glob("*/*"):
        GpgHome(home).kill_agent()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def gpg_homes(tmp_path: Path) -> Iterator[Callable[[str], GpgHome]]:
    """Make gpg homes under ``tmp_path`` by name; each one's agent is stopped after the test.

    A test leaves no gpg-agent running, so no one needs to ``pkill gpg-agent``, which on a
    shared machine kills other runs' agents mid-operation (docs/decisions.md).
    """
    made: list[GpgHome] = []

    def make(name: str) -> GpgHome:
        home = GpgHome(tmp_path / name).ensure()
        made.append(home)
        return home

    yield make
    for home in made:
        home.kill_agent()


@pytest.fixture(scope="session")
def confidant_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConfidantKeyPair]:
    """Confidant A's key pair, made once per test session."""
    key = make_confidant_key(tmp_path_factory.mktemp("gpg-a"), "Confidant A")
    yield key
    key.home.kill_agent()


@pytest.fixture(scope="session")
def other_confidant_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConfidantKeyPair]:
    """Confidant B's key pair."""
    key = make_confidant_key(tmp_path_factory.mktemp("gpg-b"), "Confidant B")
    yield key
    key.home.kill_agent()


@pytest.fixture(scope="session")
def template_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated instance, copied per test (migrations run once)."""
    path = tmp_path_factory.mktemp("template") / "instance"
    init_instance(path, organisation_name="Test organisation")
    return path


@pytest.fixture
def settings(template_instance: Path, tmp_path: Path) -> Settings:
    """A fresh instance for this test, with a cheap KDF."""
    import shutil

    from kring.core.settings import load_settings

    target = tmp_path / "instance"
    shutil.copytree(template_instance, target)
    loaded = load_settings({"KRING_INSTANCE": str(target)})
    return dataclasses.replace(loaded, kdf=CHEAP_KDF)


@pytest.fixture
def ctx(settings: Settings) -> Iterator[CoreContext]:
    """The core adapters for this test's instance."""
    context = build_context(settings)
    yield context
    context.engine.dispose()


@pytest.fixture
def confidant_a(ctx: CoreContext, confidant_key: ConfidantKeyPair) -> int:
    """Confidant A registered in the instance; returns their id."""
    return add_confidant(ctx, display_name="Anna Confidant", public_key=confidant_key.public_key).id


@pytest.fixture
def confidant_b(ctx: CoreContext, other_confidant_key: ConfidantKeyPair) -> int:
    """Confidant B registered in the instance; returns their id."""
    return add_confidant(
        ctx, display_name="Bart Confidant", public_key=other_confidant_key.public_key
    ).id


def run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a command and return its text output (helper for tests)."""
    return subprocess.run(cmd, capture_output=True, text=True, check=False)
