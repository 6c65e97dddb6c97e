"""Fixtures for the confidants' app: real accounts with TOTP, a fixed clock, reporters.

Reporters write through kring.core.reporting (real gpg, real SQLite); the
journalist app is driven with Flask's test client, without JavaScript.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from kring.core import throttle
from kring.core.accounts import admin as accounts_admin
from kring.core.accounts import (
    enrolment,
    notices,
    passwords,
    records,
    totp,
)
from kring.core.codenames.kdf import ReporterSecrets
from kring.core.context import CoreContext
from kring.core.reporting import access, submission
from kring.journalist_ui import create_app
from kring.journalist_ui.state import JournalistState
from tests.conftest import ConfidantKeyPair, make_confidant_key

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
START = 1_800_000_000.0  # a fixed Unix time (2027-01-15)
TODAY = dt.date(2027, 1, 15)


@dataclasses.dataclass
class Clock:
    """The app's clock, moved by tests."""

    now: float = START

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float = 30) -> None:
        self.now += seconds


@dataclasses.dataclass(frozen=True)
class Account:
    """A test account with its credentials."""

    id: int
    username: str
    password: str
    secret: str

    def code(self, clock: Clock) -> str:
        """The TOTP code at the clock's time."""
        return pyotp.TOTP(self.secret).at(clock.now)


@pytest.fixture(scope="session")
def third_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConfidantKeyPair]:
    """A key that nothing is ever encrypted to (for "and no other" checks)."""
    key = make_confidant_key(tmp_path_factory.mktemp("gpg-c"), "Outsider C")
    yield key
    key.home.kill_agent()


@pytest.fixture
def clock() -> Clock:
    """Fixed time for TOTP, throttle and sessions."""
    return Clock()


@pytest.fixture
def jctx(ctx: CoreContext) -> CoreContext:
    """The core context with a fixed day."""
    ctx.today = lambda: TODAY
    return ctx


@pytest.fixture
def app(jctx: CoreContext, clock: Clock) -> Flask:
    """The confidants' app on this test's instance, on the fixed clock."""
    application = create_app(jctx.settings, context=jctx)
    application.config["TESTING"] = True
    state: JournalistState = application.extensions["kring_journalist"]
    state.clock = clock
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser without JavaScript."""
    return app.test_client()


def make_account(
    ctx: CoreContext,
    clock: Clock,
    username: str,
    *,
    role: records.Role = records.Role.CONFIDANT,
    key: ConfidantKeyPair | None = None,
    enrol: bool = True,
) -> Account:
    """Create an account through core and walk its holder's steps: own password,
    fresh TOTP secret and one code (unless ``enrol`` is false), then the key.
    """
    made = accounts_admin.create_account(
        ctx, username=username, display_name=username.title(), role=role, actor="test"
    )
    own = f"{username}'s own password"
    passwords.change_password(ctx, made.account_id, current=made.password, new=own)
    account = Account(made.account_id, made.username, own, "")
    if enrol:
        secret = totp.begin_totp_enrolment(ctx, made.account_id)
        account = Account(made.account_id, made.username, own, secret)
        totp.confirm_totp(
            ctx,
            made.account_id,
            account.code(clock),
            at=clock.now,
            failures=throttle.FailureThrottle(),
        )
        clock.advance()
    if key is not None:
        enrolment.set_public_key(
            ctx,
            made.account_id,
            key.public_key,
            password=own,
            code=account.code(clock),
            at=clock.now,
            failures=throttle.FailureThrottle(),
        )
        notices.take_notices(ctx, made.account_id)  # the set-up key is not news
        clock.advance()
    return account


@pytest.fixture
def admin(jctx: CoreContext, clock: Clock, confidant_key: ConfidantKeyPair) -> Account:
    """An admin who is also a confidant (key A)."""
    return make_account(jctx, clock, "anna", role=records.Role.ADMIN, key=confidant_key)


@pytest.fixture
def bart(jctx: CoreContext, clock: Clock, other_confidant_key: ConfidantKeyPair) -> Account:
    """A plain confidant (key B)."""
    return make_account(jctx, clock, "bart", key=other_confidant_key)


def csrf_from(html: str) -> str:
    """The CSRF token in a rendered form."""
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in page"
    return match.group(1)


def csrf(client: FlaskClient, path: str = "/en/login") -> str:
    """Fetch a page and return its CSRF token."""
    with client.get(path) as page:
        return csrf_from(page.get_data(as_text=True))


def login(client: FlaskClient, account: Account, clock: Clock) -> None:
    """Log in through the form; the clock then moves on so the next code is fresh."""
    token = csrf(client)
    with client.post(
        "/en/login",
        data={
            "csrf_token": token,
            "username": account.username,
            "password": account.password,
            "totp": account.code(clock),
        },
    ) as response:
        assert response.status_code == 302, response.get_data(as_text=True)
    clock.advance()


def post(
    client: FlaskClient, path: str, data: dict[str, object], *, page: str = "/en/"
) -> tuple[int, str]:
    """POST a form with a fresh CSRF token taken from ``page``."""
    token = csrf(client, page)
    with client.post(path, data={"csrf_token": token, **data}) as response:
        return response.status_code, response.get_data(as_text=True)


def write_report(
    ctx: CoreContext,
    codename: str,
    *,
    message: str = "",
    files: Sequence[tuple[str, bytes]] = (),
    recipient: int | None = None,
    path: str | None = None,
    category: str | None = None,
    counted: str | None = None,
    unit: str | None = None,
) -> ReporterSecrets:
    """A reporter submits through core; returns their secrets."""
    secrets_ = access.derive_secrets(ctx, codename)
    draft = submission.SubmissionDraft(ctx, secrets_)
    try:
        draft.choose(
            recipient=str(recipient) if recipient else "all",
            path=path,
            category=category,
            counted=counted,
            unit=unit,
        )
        for name, data in files:
            upload = draft.open_file(name)
            upload.write(data)
            upload.finish()
        draft.set_message(message)
        draft.commit()
    finally:
        draft.discard()
    return secrets_


def designation_of(ctx: CoreContext, secrets_: ReporterSecrets) -> str:
    """The reporter's designation as a URL slug."""
    from sqlalchemy import select

    from kring.core.models import Reporter

    with ctx.sessions() as db:
        value = db.scalar(
            select(Reporter.designation).where(Reporter.lookup_id == secrets_.lookup_id)
        )
    assert value
    return value.replace(" ", "-")


def blob_bytes(ctx: CoreContext, secrets_: ReporterSecrets) -> list[bytes]:
    """Every ciphertext file of a reporter (sorted by name)."""
    folder: Path = ctx.store.folder(secrets_.lookup_id)
    return [p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()]
