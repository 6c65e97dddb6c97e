#!/usr/bin/env bash
# Set up and run the whole Kring drop on this machine with a demo confidant.
# Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/kring-demo "$@"
