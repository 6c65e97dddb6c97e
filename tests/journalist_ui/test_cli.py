"""`kring admin create`: the first admin, with a generated password and TOTP enrolment."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from click.testing import CliRunner

from kring.cli import main
from kring.core import accounts
from kring.core.context import CoreContext

FIXED_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_admin_create_prints_password_and_qr(ctx: CoreContext) -> None:
    runner = CliRunner()
    instance = str(ctx.settings.instance_dir)
    args = ["admin", "create", "--instance", instance, "--username", "root", "--confirm-later"]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    secret = re.search(r"Or enter this key by hand: ([A-Z2-7]+)", first.output)
    password = re.search(r"Password \(shown once, write it down\): (.+)", first.output)
    assert secret and password and len(password.group(1).split(" ")) == 7
    assert any(block in first.output for block in "█▀▄")  # the QR code
    taken = runner.invoke(main, args)
    assert taken.exit_code != 0 and "UsernameTaken" in taken.output
    logged = accounts.authenticate(
        ctx,
        username="root",
        password=password.group(1),
        code="",
        at=time.time(),
        failures=accounts.FailureThrottle(),
    )
    assert logged.needs_enrolment
    code = pyotp.TOTP(secret.group(1)).now()
    accounts.confirm_totp(
        ctx, logged.account_id, code, at=time.time(), failures=accounts.FailureThrottle()
    )
    assert accounts.get_account(ctx, logged.account_id).role == "admin"


def test_admin_create_confirms_a_code_in_the_terminal(
    ctx: CoreContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts, "new_totp_secret", lambda: FIXED_SECRET)
    code = pyotp.TOTP(FIXED_SECRET).now()
    wrong = "000000" if code != "000000" else "111111"
    result = CliRunner().invoke(
        main,
        ["admin", "create", "--instance", str(ctx.settings.instance_dir), "--username", "second"],
        input=f"{wrong}\n{code}\n",
    )
    assert result.exit_code == 0, result.output
    assert "That code is wrong" in result.output and "Two-factor login confirmed." in result.output
    with ctx.sessions() as db:
        from sqlalchemy import select

        from kring.core.models import Confidant

        row = db.scalar(select(Confidant).where(Confidant.username == "second"))
        assert row is not None and row.totp_confirmed and row.role == "admin"
