"""Kring's development kit: the private Tor network, the demo drop and the tools of tests.

A distribution of its own (``devkit/pyproject.toml``), installed by ``scripts/setup.sh`` for
the demo and the tests and never put on a server: the production wheel (``kring``) holds no
test network, no demo and no test tool, and no ``kring`` module imports this package (an
import-linter contract and tests/test_wheel.py check both).
"""
