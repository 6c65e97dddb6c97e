"""Creating a fresh instance folder with secrets generated on this machine."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from kring.core.settings import INSTANCE_FILE, Settings, load_settings


class InstanceExists(Exception):
    """The target folder already holds an instance; refuse to overwrite its secrets."""


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def init_instance(
    instance_dir: Path,
    *,
    organisation_name: str = "Our organisation",
    default_language: str = "en",
    database_url: str | None = None,
) -> Settings:
    """Write a new instance: settings file with fresh secrets, store, gpg home, database.

    Invariant: the salts and the session key are generated here with
    ``secrets`` and written only to ``kring.toml`` with mode 0600 inside a 0700
    folder; an existing instance is never overwritten (its salts are what make
    every codename work).
    """
    from kring.core.db import upgrade_database  # local: keeps settings import-light

    instance_dir = instance_dir.resolve()
    settings_path = instance_dir / INSTANCE_FILE
    if settings_path.exists():
        raise InstanceExists(f"{settings_path} exists already")
    instance_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(instance_dir, 0o700)
    lines = [
        "# Kring instance settings. Keep this file secret: the salts below turn",
        "# codenames into database keys; losing them locks every reporter out.",
        f"organisation_name = {_toml_string(organisation_name)}",
        f"default_language = {_toml_string(default_language)}",
        f"secret_key = {_toml_string(secrets.token_hex(32))}",
        f"lookup_salt = {_toml_string(secrets.token_hex(32))}",
        f"passphrase_salt = {_toml_string(secrets.token_hex(32))}",
        "max_submission_bytes = 500000000",
        "session_idle_minutes = 30",
    ]
    if database_url:
        lines.append(f"database_url = {_toml_string(database_url)}")
    lines += ["", "[kdf]", "time_cost = 3", "memory_kib = 65536", "parallelism = 1", ""]
    fd = os.open(settings_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    settings = load_settings({"KRING_INSTANCE": str(instance_dir)})
    for folder in (settings.store_dir, settings.gpg_home):
        folder.mkdir(mode=0o700, exist_ok=True)
    upgrade_database(settings.database_url)
    _seed_information_pages(settings)
    return settings


def _seed_information_pages(settings: Settings) -> None:
    # A new instance is useful on its first day: the default information
    # pages and code of conduct are there before any admin edits them.
    from kring.core.content.seeding import seed_default_content
    from kring.core.context import utc_today
    from kring.core.db import make_engine, make_sessionmaker

    engine = make_engine(settings.database_url)
    try:
        seed_default_content(make_sessionmaker(engine), utc_today())
    finally:
        engine.dispose()
