"""The ``kring`` command: instance setup, confidants, onion client keys, daily jobs.

One module per command group; importing them adds their commands to ``main``. The demo drop
is ``kring-demo``, in the development kit (kring_devkit.demo_cli).
"""

from __future__ import annotations

from kring.cli import instance, jobs, onion_keys, people  # noqa: F401 - they add the commands
from kring.cli.base import main

__all__ = ["main"]
