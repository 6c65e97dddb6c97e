"""Every refusal of the ``kring`` command is one line, ``Error: <why>``, exit 1, no traceback.

Real instances (``kring init``), real SQLite and the real onion folders; each refusal is
provoked the way an admin would meet it, and the message says what was refused and why.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kring.cli import main

# The environment an admin's shell may carry must not decide where a test instance lives.
_CLEAN_ENV = {
    name: None
    for name in (
        "KRING_INSTANCE",
        "KRING_ONION_LAYOUT",
        "KRING_ONION_SOURCE_DIR",
        "KRING_ONION_JOURNALIST_DIR",
    )
}


def kring(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=_CLEAN_ENV)


@pytest.fixture
def instance(tmp_path: Path) -> str:
    folder = tmp_path / "instance"
    made = kring("init", str(folder))
    assert made.exit_code == 0, made.output
    return str(folder)


def assert_refused(result: Result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.output == f"Error: {message}\n"
    assert isinstance(result.exception, SystemExit)  # click's own exit, not a crash


def test_an_instance_is_never_initialised_twice(instance: str) -> None:
    assert_refused(kring("init", instance), f"{instance}/kring.toml exists already")


def test_unit_refusals_name_the_rule_or_the_missing_unit(instance: str) -> None:
    assert kring("unit", "add", "--instance", instance, "Sales").exit_code == 0
    assert_refused(kring("unit", "add", "--instance", instance, "Sales"), "UnitExists: Sales")
    assert_refused(
        kring("unit", "add", "--instance", instance, "x" * 81),
        "InvalidUnit: 1 to 80 printable characters",
    )
    assert_refused(kring("unit", "delete", "--instance", instance, "Nope"), "no unit Nope")
    assert kring("unit", "list", "--instance", instance).output == "Sales\n"


def test_a_file_that_is_no_public_key_is_refused(instance: str, tmp_path: Path) -> None:
    text, binary = tmp_path / "not-a-key.asc", tmp_path / "not-text.bin"
    text.write_text("not a key")
    binary.write_bytes(b"\xff\xfe\x00binary")
    add = ["confidant", "add", "--instance", instance, "--name", "Anna", "--key"]
    assert_refused(kring(*add, str(text)), "key refused: no OpenPGP public key found")
    assert_refused(
        kring(*add, str(binary)),
        "key refused: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte",
    )
    assert kring("confidant", "list", "--instance", instance).output == ""


def test_an_admin_account_is_refused_with_its_reason(instance: str) -> None:
    create = ["admin", "create", "--instance", instance, "--username"]
    assert_refused(
        kring(*create, "Bad Name!"), "account refused: InvalidUsername: 2-40 of a-z 0-9 . _ -"
    )
    assert kring(*create, "root").exit_code == 0
    assert_refused(kring(*create, "root"), "account refused: UsernameTaken: root")


def test_client_key_refusals_change_nothing(instance: str) -> None:
    add = ["onion", "client", "add", "--instance", instance]
    assert kring(*add, "alice").exit_code == 0
    assert_refused(kring(*add, "alice"), "a client key named 'alice' exists; revoke it first")
    assert_refused(
        kring(*add, "bad name/"),
        "'bad name/' is not a usable key name: use 1-63 letters, digits, '.', '-' or '_', "
        "starting with a letter or digit",
    )
    revoke = ["onion", "client", "revoke", "--instance", instance]
    assert_refused(kring(*revoke, "nobody"), "no client key named 'nobody'")
    listed = kring("onion", "client", "list", "--instance", instance).output
    assert [line.split("\t")[0] for line in listed.splitlines()] == ["alice"]
    assert kring(*revoke, "alice").exit_code == 0
    assert_refused(kring(*revoke, "alice"), "no client key named 'alice'")


@pytest.mark.parametrize(
    "command",
    [["unit", "list"], ["onion", "status"], ["scrub"], ["db-upgrade"]],
    ids=" ".join,
)
def test_a_broken_settings_file_is_one_line(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "kring.toml").write_text("this is = = not toml")
    assert_refused(
        kring(*command, "--instance", str(tmp_path)),
        f"{tmp_path}/kring.toml is not valid TOML: Expected '=' after a key in a key/value "
        "pair (at line 1, column 6)",
    )


def test_a_file_where_the_onion_folder_should_be_is_one_line(instance: str) -> None:
    """The file system refusing the onion folders is the admin's one-line reason, with the
    path, for every client command; nothing is half-made."""
    blocker = Path(instance) / "onion"
    blocker.write_text("not a folder\n")
    for command in (["add", "alice"], ["handed-over", "alice"]):
        result = kring("onion", "client", *command, "--instance", instance)
        assert result.exit_code == 1, result.output
        assert result.output.startswith("Error: cannot use the onion folders (")
        assert "Not a directory" in result.output and str(blocker) in result.output
        assert result.output.count("\n") == 1
        assert isinstance(result.exception, SystemExit)
    assert blocker.read_text() == "not a folder\n"


def test_a_taken_gpg_home_folder_is_refused_before_any_job_runs(
    instance: str, private_tmpfs: Path, tmp_path: Path
) -> None:
    from kring.crypto.ephemeral import ephemeral_parent

    ephemeral_parent().symlink_to(tmp_path)
    assert_refused(
        kring("retention", "run", "--instance", instance),
        f"{ephemeral_parent()} is not a private folder of this user; remove it and start again",
    )
