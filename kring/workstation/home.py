"""The confidant's own gpg home on the workstation."""

from __future__ import annotations

import os
from pathlib import Path

from kring.crypto.gpg import GpgHome

HOME_ENV = "KRING_GNUPGHOME"


def default_home_path() -> Path:
    """Where the confidant's key lives unless ``--gnupg-home`` says otherwise.

    On Tails this should be inside the Persistent Storage (see
    docs/confidant-workstation.md); ``KRING_GNUPGHOME`` overrides it.
    """
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env)
    return Path.home() / ".kring-workstation" / "gnupg"


def secret_key_fingerprints(home: GpgHome) -> list[str]:
    """Fingerprints of the primary secret keys in ``home``."""
    listed = home.run(["--with-colons", "--list-secret-keys"])
    fingerprints = []
    expect_fpr = False
    for line in listed.stdout.decode("utf-8", "replace").splitlines():
        fields = line.split(":")
        if fields[0] == "sec":
            expect_fpr = True
        elif fields[0] == "fpr" and expect_fpr:
            fingerprints.append(fields[9])
            expect_fpr = False
    return fingerprints


def secret_key_ids(home: GpgHome) -> list[str]:
    """Long key ids of every secret (sub)key in ``home`` (what ENC_TO reports); empty when
    the home holds no secret key."""
    listed = home.run(["--with-colons", "--list-secret-keys"])
    return [
        fields[4]
        for fields in (line.split(":") for line in listed.stdout.decode().splitlines())
        if fields[0] in {"sec", "ssb"} and len(fields) > 4
    ]
