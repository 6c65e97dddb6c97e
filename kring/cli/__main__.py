"""``python -m kring.cli``: the same as the ``kring`` command."""

from kring.cli import main

main()
