"""`kring admin create`: the first admin, with a one-time password (enrolment is on the web)."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from click.testing import CliRunner

from kring.cli import main
from kring.core import throttle
from kring.core.accounts import admin, login, passwords, records, totp
from kring.core.context import CoreContext


def test_admin_create_prints_a_one_time_password_and_no_totp_secret(ctx: CoreContext) -> None:
    runner = CliRunner()
    instance = str(ctx.settings.instance_dir)
    args = ["admin", "create", "--instance", instance, "--username", "root"]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    password = re.search(r"One-time password \(shown once, hand it to root\): (.+)", first.output)
    assert password and len(password.group(1).split(" ")) == 7
    assert "otpauth" not in first.output and not any(block in first.output for block in "█▀▄")
    taken = runner.invoke(main, args)
    assert taken.exit_code != 0 and "UsernameTaken" in taken.output
    row = records.get_account(ctx, admin.list_accounts(ctx)[0].id)
    assert row.totp_secret is None and row.password_temporary and row.role == "admin"
    logged = login.authenticate(
        ctx,
        username="root",
        password=password.group(1),
        code="",
        at=time.time(),
        failures=throttle.FailureThrottle(),
    )
    # The one-time password only lets its holder choose their own, then enrol.
    assert logged.needs_password and logged.needs_enrolment
    with pytest.raises(records.EnrolmentOrder):
        totp.begin_totp_enrolment(ctx, logged.account_id)
    passwords.change_password(
        ctx, logged.account_id, current=password.group(1), new="root's own password"
    )
    secret = totp.begin_totp_enrolment(ctx, logged.account_id)
    totp.confirm_totp(
        ctx,
        logged.account_id,
        pyotp.TOTP(secret).now(),
        at=time.time(),
        failures=throttle.FailureThrottle(),
    )
    assert records.get_account(ctx, logged.account_id).totp_confirmed


def test_confirm_later_is_still_accepted(ctx: CoreContext) -> None:
    result = CliRunner().invoke(
        main,
        [
            "admin",
            "create",
            "--instance",
            str(ctx.settings.instance_dir),
            "--username",
            "second",
            "--confirm-later",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "One-time password" in result.output
