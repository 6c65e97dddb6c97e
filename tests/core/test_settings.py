"""Settings: pure construction, overrides, refusal of bad input, instance creation."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from kring.core.instance import InstanceExists, init_instance
from kring.core.settings import SettingsError, load_settings, settings_from_mapping

BASE = {"secret_key": "s" * 64, "lookup_salt": "aa" * 32, "passphrase_salt": "bb" * 32}


def test_pure_settings_with_overrides(tmp_path: Path) -> None:
    settings = settings_from_mapping(
        tmp_path,
        {**BASE, "organisation_name": "ACME", "kdf": {"time_cost": 4}},
        {
            "KRING_MAX_SUBMISSION_BYTES": "1000",
            "KRING_KDF_MEMORY_KIB": "131072",
            "KRING_COOKIE_SECURE": "true",
        },
    )
    assert settings.organisation_name == "ACME"
    assert settings.max_submission_bytes == 1000
    assert settings.kdf.time_cost == 4
    assert settings.kdf.memory_kib == 131072
    assert settings.cookie_secure is True
    assert settings.database_url == f"sqlite:///{tmp_path / 'kring.sqlite'}"
    assert settings.max_message_chars == 100_000
    assert settings.session_idle_minutes == 30


@pytest.mark.parametrize(
    "data",
    [
        {k: v for k, v in BASE.items() if k != "lookup_salt"},
        {**BASE, "lookup_salt": "zz"},
        {**BASE, "passphrase_salt": BASE["lookup_salt"]},
        {**BASE, "lookup_salt": "aa"},
        {**BASE, "max_submission_bytes": "lots"},
        {**BASE, "default_language": "fr"},
    ],
)
def test_bad_settings_refused(tmp_path: Path, data: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        settings_from_mapping(tmp_path, data, {})


def test_default_kdf_is_at_least_64_mib(tmp_path: Path) -> None:
    settings = settings_from_mapping(tmp_path, BASE, {})
    assert settings.kdf.memory_kib >= 64 * 1024


def test_init_instance_writes_secret_file_0600(tmp_path: Path) -> None:
    settings = init_instance(tmp_path / "inst", organisation_name='Quote "and" backslash \\')
    path = tmp_path / "inst" / "kring.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "inst").stat().st_mode) == 0o700
    assert settings.organisation_name == 'Quote "and" backslash \\'
    assert settings.lookup_salt != settings.passphrase_salt
    assert (tmp_path / "inst" / "kring.sqlite").exists()
    again = load_settings({"KRING_INSTANCE": str(tmp_path / "inst")})
    assert again.lookup_salt == settings.lookup_salt
    with pytest.raises(InstanceExists):
        init_instance(tmp_path / "inst")


def test_two_instances_get_different_secrets(tmp_path: Path) -> None:
    one = init_instance(tmp_path / "one")
    two = init_instance(tmp_path / "two")
    assert one.lookup_salt != two.lookup_salt
    assert one.secret_key != two.secret_key


def test_missing_instance_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="kring init"):
        load_settings({"KRING_INSTANCE": str(tmp_path / "nowhere")})
