"""Fixtures for the workstation: confidant keys made by the workstation's own keygen,
bundles made by the server-side bundle writer from real gpg ciphertext.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from kring.crypto.bundle import BundleItem, write_bundle
from kring.crypto.encrypt import StreamEncryptor
from kring.crypto.gpg import FAST_S2K_COUNT, GpgHome
from kring.crypto.signing import ReporterSigner
from kring.workstation import cli
from kring.workstation.keygen import generate_confidant_key

PASSPHRASE = "correct horse battery staple"
DAY1 = dt.date(2026, 3, 2)
DAY2 = dt.date(2026, 3, 5)


@dataclasses.dataclass(frozen=True)
class WorkstationKey:
    """A confidant's workstation: gpg home with a passphrase-locked key."""

    home: GpgHome
    fingerprint: str
    public_key: str
    passphrase: str


def cheap_home(path: Path) -> GpgHome:
    """A gpg home whose agent protects keys with the cheapest S2K (tests only)."""
    home = GpgHome(path).ensure()
    (path / "gpg-agent.conf").write_text(f"s2k-count {FAST_S2K_COUNT}\n")
    return home


def make_workstation_key(path: Path, name: str, algorithm: str = "cv25519") -> WorkstationKey:
    """Run the workstation's keygen into a fresh home."""
    home = cheap_home(path)
    made = generate_confidant_key(
        home,
        name=name,
        passphrase=PASSPHRASE,
        public_key_path=path.parent / f"{path.name}.asc",
        algorithm=algorithm,  # type: ignore[arg-type]
    )
    home.kill_agent()
    return WorkstationKey(
        home=home,
        fingerprint=made.fingerprint,
        public_key=made.public_key_path.read_text(),
        passphrase=PASSPHRASE,
    )


@pytest.fixture(scope="session")
def anna(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkstationKey]:
    """Confidant Anna's workstation key."""
    key = make_workstation_key(tmp_path_factory.mktemp("anna") / "gnupg", "Anna de Vries")
    yield key
    key.home.kill_agent()


@pytest.fixture(scope="session")
def bart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkstationKey]:
    """Confidant Bart's workstation key (another confidant)."""
    key = make_workstation_key(tmp_path_factory.mktemp("bart") / "gnupg", "Bart Jansen")
    yield key
    key.home.kill_agent()


@dataclasses.dataclass(frozen=True)
class Spec:
    """One item to put into a test bundle: plaintext and who may read it."""

    kind: str
    author: str
    day: dt.date
    data: bytes
    recipients: tuple[str, ...]
    filename: str | None = None
    signer: ReporterSigner | None = None  # the reporter's key, as the server signs with it


BundleMaker = Callable[..., Path]


@pytest.fixture
def make_bundle(tmp_path: Path) -> BundleMaker:
    """Encrypt each spec like the server does (StreamEncryptor into a store file),
    then write the bundle with the real writer. Returns the bundle path."""
    server_home = GpgHome(tmp_path / "server-gpg").ensure()
    store = tmp_path / "store"
    store.mkdir()

    def make(
        specs: Sequence[Spec],
        *,
        name: str = "bundle.zip",
        designation: str = "amber falcon",
        reporter_key: str = "",
    ) -> Path:
        items = []
        for seq, spec in enumerate(specs, start=1):
            blob = store / f"{name}-{seq}.gpg"
            with blob.open("wb") as out:
                enc = StreamEncryptor(
                    server_home, spec.recipients, out, filename=spec.filename, signer=spec.signer
                )
                for start in range(0, len(spec.data), 256 * 1024):
                    enc.write(spec.data[start : start + 256 * 1024])
                enc.finish()
            items.append(
                BundleItem(
                    seq=seq, kind=spec.kind, author=spec.author, day=spec.day, ciphertext=blob
                )  # type: ignore[arg-type]
            )
        path = tmp_path / name
        with path.open("wb") as out:
            write_bundle(out, designation, DAY2, items, reporter_key=reporter_key)
        return path

    return make


def rewrite_bundle(
    source: Path, target: Path, mutate: Callable[[str, bytes], bytes | None]
) -> Path:
    """Copy a bundle entry by entry, letting ``mutate`` change or drop (None) entries
    while the manifest stays as it was: what an attacker or a bad disk would do."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            changed = mutate(info.filename, src.read(info))
            if changed is not None:
                dst.writestr(info, changed)
    return target


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run kring-workstation in-process; the passphrase arrives through a pipe fd."""

    def run(args: Sequence[str], *, passphrase: str | None = None) -> tuple[int, str, str]:
        argv = list(args)
        if passphrase is not None:
            read_fd, write_fd = os.pipe()
            os.write(write_fd, passphrase.encode() + b"\n")
            os.close(write_fd)
            argv += ["--passphrase-fd", str(read_fd)]
        code = cli.main(argv)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def tree(path: Path) -> list[str]:
    """Every path under ``path`` (relative), for 'nothing was written' assertions."""
    if not path.exists():
        return []
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


def copy_home(key: WorkstationKey, target: Path) -> GpgHome:
    """A private copy of a key's gpg home (for tests that change permissions)."""
    shutil.copytree(key.home.path, target, ignore=shutil.ignore_patterns("S.*"))
    return GpgHome(target)
