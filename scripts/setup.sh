#!/usr/bin/env bash
# Install what Kring needs on a Debian 12 machine (run as root) and the
# virtualenv in .venv/. `scripts/setup.sh` for running the drop,
# `scripts/setup.sh --dev` adds what the tests need. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

runtime_packages=(gnupg tor fonts-dejavu-core ffmpeg)
dev_packages=(chromium chromium-driver mat2 wdutch wspanish debootstrap)
# The workstation desktop app (kring.workstation.app, Qt 6 from the PySide6
# wheels) is tested in a real X server: Xvfb, plus the X libraries Qt's xcb
# platform plugin loads (the wheels bring Qt itself, not these).
dev_packages+=(xvfb xauth libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1
  libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libegl1 libgl1
  libfontconfig1 libdbus-1-3 fonts-dejavu-core)
# tests/deploy/test_vm.py: a booted Debian machine (QEMU, its disk tool, SSH into it).
dev_packages+=(qemu-system-x86 qemu-utils openssh-client e2fsprogs)
packages=("${runtime_packages[@]}")
extras="server"
if [[ "${1:-}" == "--dev" ]]; then
  packages+=("${dev_packages[@]}")
  extras="server,dev"
fi
# The accessibility test injects axe-core from npm (only into the test browser).
if [[ "${1:-}" == "--dev" ]] && ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi
# A Debian python3 without ensurepip cannot make a venv.
if ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
  packages+=(python3-venv)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "Installing system packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
# The development kit (devkit/: the demo, the private Tor network, the tests' tools) is a
# distribution of its own, so the server's wheel never holds it.
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[${extras}]" -e ./devkit
if [[ "${1:-}" == "--dev" ]]; then
  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error >/dev/null
fi
