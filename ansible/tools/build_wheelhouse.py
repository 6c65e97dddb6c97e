#!/usr/bin/env python3
"""Build the wheelhouse the server installs Kring from, on the controller.

The server never reaches PyPI (its firewall lets out only tor and apt), so the
controller gathers every wheel: Kring's own, built from a clean copy of the
source tree, and its dependencies for the *server's* platform (Debian 12:
CPython 3.11, glibc 2.36, x86_64), whatever the controller runs. A dependency
published only as source (stem) is built here once; it must come out pure
Python, or we stop, because a wheel compiled for the controller could not run
on the server.

Idempotent by content: wheels are built reproducibly (SOURCE_DATE_EPOCH) and
copied into OUT only when their bytes differ, and wheels no longer needed are
removed. The last line printed is ``changed`` or ``unchanged`` for Ansible.

    build_wheelhouse.py SOURCE_DIR OUT_DIR [--python-version 3.11] [--platform TAG ...]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Folders that never belong in a wheel: a stale build/lib would otherwise
# carry modules deleted from the source into the package.
IGNORED = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache",
           ".hypothesis", "instance", "demo-instance", "test-artifacts", ".wheelhouse")
DEFAULT_PLATFORMS = ("manylinux_2_36_x86_64", "manylinux_2_28_x86_64",
                     "manylinux2014_x86_64", "manylinux1_x86_64")
MISSING = re.compile(r"No matching distribution found for ([A-Za-z0-9_.\-]+)")
# 1980-01-01, the earliest date a zip file can hold: the same source gives the same bytes.
EPOCH = "315532800"


def pip(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH, PIP_DISABLE_PIP_VERSION_CHECK="1")
    return subprocess.run([sys.executable, "-m", "pip", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)


def build_kring_wheel(source: Path, scratch_dir: Path, *, isolated: bool = True) -> Path:
    """Kring's own wheel, built from a clean copy of ``source``, in ``scratch_dir/wheels``.

    It is the package the servers run: ``kring`` only, never the development kit (devkit/:
    demo, test network, test tools), which is a distribution of its own (tests/test_wheel.py).
    """
    tree = scratch_dir / "src"
    shutil.copytree(source, tree, ignore=shutil.ignore_patterns(*IGNORED), symlinks=True)
    wheels = scratch_dir / "wheels"
    wheels.mkdir()
    isolation = [] if isolated else ["--no-build-isolation"]
    result = pip("wheel", "--quiet", "--no-deps", *isolation, "--wheel-dir", str(wheels), str(tree))
    if result.returncode:
        sys.exit(f"building Kring's wheel failed:\n{result.stderr}")
    (kring_wheel,) = wheels.glob("kring-*.whl")
    return kring_wheel


def build(source: Path, out: Path, python_version: str, platforms: list[str]) -> bool:
    with tempfile.TemporaryDirectory(prefix="kring-wheelhouse-") as scratch:
        scratch_dir = Path(scratch)
        kring_wheel = build_kring_wheel(source, scratch_dir)
        wheels = kring_wheel.parent
        # Source-only dependencies already built in an earlier run are reused.
        for old in out.glob("*-none-any.whl") if out.is_dir() else ():
            if not old.name.startswith("kring-"):
                shutil.copy2(old, wheels / old.name)
        for _attempt in range(10):
            args = ["download", "--quiet", "--dest", str(wheels), "--find-links", str(wheels),
                    "--only-binary=:all:", "--python-version", python_version,
                    "--implementation", "cp", "--abi", f"cp{python_version.replace('.', '')}"]
            for tag in platforms:
                args += ["--platform", tag]
            result = pip(*args, f"kring[server] @ {kring_wheel.as_uri()}")
            if result.returncode == 0:
                break
            missing = MISSING.search(result.stderr)
            if not missing:
                sys.exit(f"downloading dependencies failed:\n{result.stderr}")
            name = missing.group(1)
            built = pip("wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels), name)
            if built.returncode:
                sys.exit(f"{name} has no wheel for the server and did not build:\n{built.stderr}")
            if not any(w.name.endswith("-none-any.whl") for w in wheels.glob("*.whl")
                       if w.name.lower().startswith(name.lower().replace("-", "_"))):
                sys.exit(f"{name} built into a platform wheel; it cannot go to the server")
        else:
            sys.exit("too many source-only dependencies; giving up")
        return sync(wheels, out)


def sync(new: Path, out: Path) -> bool:
    """Make OUT hold exactly NEW's wheels, touching only files whose bytes differ."""
    out.mkdir(parents=True, exist_ok=True)
    changed = False
    wanted = {w.name for w in new.glob("*.whl")}
    for stale in out.glob("*.whl"):
        if stale.name not in wanted:
            stale.unlink()
            changed = True
    for wheel in sorted(new.glob("*.whl")):
        target = out / wheel.name
        if not target.exists() or target.read_bytes() != wheel.read_bytes():
            shutil.copyfile(wheel, target)
            changed = True
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--python-version", default="3.11")
    parser.add_argument("--platform", action="append", dest="platforms")
    ns = parser.parse_args()
    changed = build(ns.source.resolve(), ns.out.resolve(), ns.python_version,
                    ns.platforms or list(DEFAULT_PLATFORMS))
    print("changed" if changed else "unchanged")


if __name__ == "__main__":
    main()
