#!/usr/bin/env python3
"""Pack the wheelhouse into one archive, the single file the controller sends to the server.

Copying a folder of some 45 wheels costs Ansible several module runs per file on the server;
one archive costs one copy, and the server's ``kring-install`` unpacks it only when it differs
from what was installed. The archive is reproducible: the same wheels give the same bytes
(names sorted, times, owners and modes fixed, no compression: wheels are zip files already),
so an unchanged wheelhouse is an unchanged archive and a second playbook run copies nothing.
The archive is rewritten only when its bytes would differ. Standard library only, so any
controller that runs Ansible runs this. The last line printed is ``changed`` or ``unchanged``.

    pack_wheelhouse.py WHEELHOUSE_DIR ARCHIVE
"""

from __future__ import annotations

import io
import os
import sys
import tarfile
from pathlib import Path


def packed(wheelhouse: Path) -> bytes:
    """The archive's bytes: every ``*.whl`` of ``wheelhouse`` at the top level, fixed metadata."""
    wheels = sorted(wheelhouse.glob("*.whl"))
    if not wheels:
        sys.exit(f"no wheels in {wheelhouse}")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for wheel in wheels:
            info = tarfile.TarInfo(wheel.name)
            info.size = wheel.stat().st_size
            info.mode = 0o644
            info.mtime = 315532800  # 1980-01-01, as the wheels' own zip entries
            with open(wheel, "rb") as data:
                archive.addfile(info, data)
    return buffer.getvalue()


def write_if_changed(archive: Path, content: bytes) -> bool:
    """Replace ``archive`` (atomically) only when ``content`` differs from it."""
    if archive.is_file() and archive.read_bytes() == content:
        return False
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_name(archive.name + ".partial")
    partial.write_bytes(content)
    os.replace(partial, archive)
    return True


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1].strip())
    wheelhouse, archive = Path(sys.argv[1]), Path(sys.argv[2])
    print("changed" if write_if_changed(archive, packed(wheelhouse)) else "unchanged")


if __name__ == "__main__":
    main()
