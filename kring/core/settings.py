"""Instance settings: one frozen dataclass, built by a pure function.

An instance is a folder holding ``kring.toml`` (mode 0600: it carries the
secret salts), the SQLite database, the store of ciphertext and the server's gpg
home. ``load_settings(env)`` reads that file and applies ``KRING_*``
environment overrides; ``settings_from_mapping`` is the pure core that tests
call with plain dicts.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

INSTANCE_FILE = "kring.toml"
DEFAULT_INSTANCE_DIR = "instance"


class SettingsError(Exception):
    """The instance file or an override is missing or malformed."""


@dataclasses.dataclass(frozen=True)
class KdfCost:
    """argon2id cost for deriving reporter secrets from a codename.

    Default: 64 MiB, 3 passes, one lane — two derivations per login take about
    0.28 s on the reference 2-core machine (see docs/performance.md).
    """

    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 1


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything an app, the CLI or a service needs to know about an instance."""

    instance_dir: Path
    database_url: str
    store_dir: Path
    gpg_home: Path
    secret_key: str
    lookup_salt: bytes
    passphrase_salt: bytes
    kdf: KdfCost = KdfCost()
    # Marked "editable": the default of an admin's override, read only through
    # kring.core.instance_settings.current_options, never from here.
    organisation_name: str = "Our organisation"  # editable
    default_language: str = "en"
    max_submission_bytes: int = 500 * 1000 * 1000  # editable (in MB)
    max_message_chars: int = 100_000
    max_reply_chars: int = 100_000
    # Both apps' sessions end after this many idle minutes; the confidants'
    # also after session_absolute_minutes however active.
    session_idle_minutes: int = 30  # editable
    session_absolute_minutes: int = 120  # editable
    # Small-cell suppression threshold of the insights pages; never below 3.
    insights_k: int = 5  # editable
    # A slow upload over Tor must not outlive its form's CSRF token.
    csrf_time_limit_seconds: int = 6 * 3600
    # A submission's body: the longest silence, the lowest average rate once
    # the grace period has passed (kring.web.body.UploadPace).
    upload_read_timeout_seconds: int = 60
    upload_min_bytes_per_second: int = 500
    upload_rate_grace_seconds: int = 30
    # Key-derivation pool (kring.core.codenames.kdf_pool): 0 workers = sized from cores
    # and memory; new codenames handed out per minute at most.
    kdf_workers: int = 0
    # Free space the store's disk keeps: a submission that would leave less is
    # refused before it is read (kring.core.storage.disk_room).
    store_min_free_mb: int = 1000
    # What the store may hold in all (ciphertext of every conversation), and
    # one conversation at most; a submission that would pass either is refused
    # before it is read. Admins are warned from store_warning_percent on.
    store_quota_mb: int = 50_000
    conversation_quota_mb: int = 2_000
    store_warning_percent: int = 90
    codenames_per_minute: int = 240
    login_attempts_per_lookup_per_minute: int = 5
    login_attempts_global_per_minute: int = 120
    cookie_secure: bool = False
    # Retention: conversations without activity for this many days are deleted;
    # closed ones this many days after closing.
    retention_inactive_days: int = 365
    retention_closed_days: int = 90
    # Insights show a quarter only this many days after it ended.
    insights_publication_delay_days: int = 14
    # Activity notices (``kring notify``); no host: notices are off.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_sender: str = "kring@localhost"
    smtp_starttls: bool = True
    smtp_username: str = ""
    smtp_password: str = ""
    # Where tor keeps the onion services (kring.onion.layout): "instance" for the
    # demo and tests (<instance>/onion/...), "system" for Debian's tor as the
    # Ansible role sets it up (the two folders below; empty: tor's defaults).
    onion_layout: str = "instance"
    onion_source_dir: str = ""
    onion_journalist_dir: str = ""


_INT_FIELDS = {
    "max_submission_bytes",
    "max_message_chars",
    "max_reply_chars",
    "session_idle_minutes",
    "session_absolute_minutes",
    "insights_k",
    "csrf_time_limit_seconds",
    "upload_read_timeout_seconds",
    "upload_min_bytes_per_second",
    "upload_rate_grace_seconds",
    "kdf_workers",
    "store_min_free_mb",
    "store_quota_mb",
    "conversation_quota_mb",
    "store_warning_percent",
    "codenames_per_minute",
    "login_attempts_per_lookup_per_minute",
    "login_attempts_global_per_minute",
    "retention_inactive_days",
    "retention_closed_days",
    "insights_publication_delay_days",
    "smtp_port",
}
_STR_FIELDS = {
    "organisation_name",
    "default_language",
    "secret_key",
    "database_url",
    "smtp_host",
    "smtp_sender",
    "smtp_username",
    "smtp_password",
    "onion_layout",
    "onion_source_dir",
    "onion_journalist_dir",
}
_BOOL_FIELDS = {"cookie_secure", "smtp_starttls"}


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def settings_from_mapping(
    instance_dir: Path, data: Mapping[str, Any], env: Mapping[str, str]
) -> Settings:
    """Build Settings from the parsed instance file ``data`` and ``env`` overrides.

    Pure: no file or process state is read. Every scalar setting ``name`` can
    be overridden by ``KRING_NAME`` (upper case); KDF costs by
    ``KRING_KDF_TIME_COST``, ``KRING_KDF_MEMORY_KIB``, ``KRING_KDF_PARALLELISM``.
    """
    merged: dict[str, Any] = {k: v for k, v in data.items() if k != "kdf"}
    for name in _INT_FIELDS | _STR_FIELDS | _BOOL_FIELDS:
        key = f"KRING_{name.upper()}"
        if key in env:
            merged[name] = env[key]
    kdf_data = dict(data.get("kdf", {}))
    for name in ("time_cost", "memory_kib", "parallelism"):
        key = f"KRING_KDF_{name.upper()}"
        if key in env:
            kdf_data[name] = env[key]
    try:
        kdf = KdfCost(**{k: int(v) for k, v in kdf_data.items()})
        lookup_salt = bytes.fromhex(str(merged.pop("lookup_salt")))
        passphrase_salt = bytes.fromhex(str(merged.pop("passphrase_salt")))
        secret_key = str(merged.pop("secret_key"))
    except (KeyError, ValueError, TypeError) as exc:
        raise SettingsError(f"instance settings incomplete or malformed: {exc}") from exc
    if len(lookup_salt) < 16 or len(passphrase_salt) < 16 or lookup_salt == passphrase_salt:
        raise SettingsError("the two salts must be distinct and at least 16 bytes")
    values: dict[str, Any] = {}
    for name, value in merged.items():
        if name in _INT_FIELDS:
            try:
                values[name] = int(value)
            except ValueError as exc:
                raise SettingsError(f"{name} must be a whole number") from exc
        elif name in _BOOL_FIELDS:
            values[name] = _bool(value)
        elif name in _STR_FIELDS:
            values[name] = str(value)
        # Unknown keys are ignored so newer instance files work with older code.
    database_url = values.pop("database_url", f"sqlite:///{instance_dir / 'kring.sqlite'}")
    if values.get("default_language", "en") not in {"en", "nl", "es"}:
        raise SettingsError("default_language must be 'en', 'nl' or 'es'")
    return Settings(
        instance_dir=instance_dir,
        database_url=database_url,
        store_dir=instance_dir / "store",
        gpg_home=instance_dir / "gpg",
        secret_key=secret_key,
        lookup_salt=lookup_salt,
        passphrase_salt=passphrase_salt,
        kdf=kdf,
        **values,
    )


def instance_dir_from_env(env: Mapping[str, str]) -> Path:
    """The instance folder: ``KRING_INSTANCE`` or ./instance."""
    return Path(env.get("KRING_INSTANCE", DEFAULT_INSTANCE_DIR)).resolve()


def load_settings(env: Mapping[str, str]) -> Settings:
    """Read ``<instance>/kring.toml`` and apply the environment's overrides."""
    instance_dir = instance_dir_from_env(env)
    path = instance_dir / INSTANCE_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SettingsError(
            f"no instance at {instance_dir}: run `kring init {instance_dir}` first"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path} is not valid TOML: {exc}") from exc
    return settings_from_mapping(instance_dir, data, env)
