#!/usr/bin/env bash
# Set up everything the tests need, then run linters and the whole test suite
# (real gpg, SQLite, gunicorn, tor and Chromium). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
echo "== ruff"
.venv/bin/ruff check kring devkit tests bench
echo "== import contracts"
.venv/bin/lint-imports
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
exec .venv/bin/python -m pytest "$@"
