"""The production wheel — what ansible/tools/build_wheelhouse.py ships to every server — holds
Kring and nothing of the development kit: no private Tor network, no demo, no test tools."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# What used to ship to servers before the development kit had its own distribution, and must
# never again: matched against every path in the wheel.
DEVKIT_MARKERS = ("testnet", "devtools", "demo", "kring_devkit", "multipart.py", "rawhttp.py",
                  "xvfb.py", "onion/stack.py")


def _build_wheelhouse_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "build_wheelhouse", REPO / "ansible" / "tools" / "build_wheelhouse.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    """Kring's wheel, built as the wheelhouse builds it (here without a fresh build env)."""
    scratch = tmp_path_factory.mktemp("wheel")
    return zipfile.ZipFile(
        _build_wheelhouse_module().build_kring_wheel(REPO, scratch, isolated=False)
    )


@pytest.mark.slow
def test_the_production_wheel_holds_no_test_network_demo_or_dev_tools(
    wheel: zipfile.ZipFile,
) -> None:
    names = wheel.namelist()
    assert [name for name in names if any(m in name for m in DEVKIT_MARKERS)] == []
    # ...and is the whole of Kring otherwise: the apps, the onion adapter, the workstation.
    for needed in ("kring/onion/layout.py", "kring/onion/services.py", "kring/qr.py",
                   "kring/source_ui/wsgi.py", "kring/journalist_ui/wsgi.py",
                   "kring/workstation/cli.py"):
        assert needed in names


@pytest.mark.slow
def test_the_production_commands_have_no_demo(wheel: zipfile.ZipFile) -> None:
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    scripts = wheel.read(name).decode()
    assert "kring = kring.cli:main" in scripts
    assert "kring-workstation = kring.workstation.cli:main" in scripts
    assert "demo" not in scripts
    kring = subprocess.run([str(Path(sys.executable).with_name("kring")), "--help"],
                           capture_output=True, text=True, check=False, timeout=60)
    assert kring.returncode == 0, kring.stderr
    assert "demo" not in kring.stdout.split("Commands:")[1]


def test_the_devkit_is_importable_only_as_its_own_distribution() -> None:
    """Tests and the demo get the devkit from its own install, not from kring's folder."""
    import kring_devkit

    assert Path(kring_devkit.__file__).resolve().is_relative_to(REPO / "devkit")
    assert not (REPO / "kring" / "devtools").exists()
    demo = subprocess.run(
        [str(Path(sys.executable).with_name("kring-demo")), "--help"],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert demo.returncode == 0, demo.stderr
    assert "--system-tor" in demo.stdout
