"""argon2id derivation and login throttling."""

from __future__ import annotations

import time

import pytest

from kring.core import throttle as accounts_throttle
from kring.core import throttle as throttle_module
from kring.core.codenames.kdf import derive_reporter_secrets
from kring.core.errors import KringError
from kring.core.settings import KdfCost
from kring.core.throttle import FailureThrottle, LoginThrottle, LoginThrottled, MinuteWindows

CHEAP = KdfCost(time_cost=1, memory_kib=1024, parallelism=1)
SALT_A, SALT_B = b"a" * 32, b"b" * 32


def test_derivation_is_deterministic_and_salted() -> None:
    one = derive_reporter_secrets("w " * 7, lookup_salt=SALT_A, passphrase_salt=SALT_B, cost=CHEAP)
    two = derive_reporter_secrets("w " * 7, lookup_salt=SALT_A, passphrase_salt=SALT_B, cost=CHEAP)
    other_salt = derive_reporter_secrets(
        "w " * 7, lookup_salt=b"c" * 32, passphrase_salt=SALT_B, cost=CHEAP
    )
    assert one == two
    assert one.lookup_id != one.passphrase
    assert other_salt.lookup_id != one.lookup_id
    assert other_salt.passphrase == one.passphrase
    assert len(one.lookup_id) == 64
    assert "hidden" in repr(one) and one.lookup_id not in repr(one)


def test_default_cost_takes_real_time() -> None:
    started = time.perf_counter()
    derive_reporter_secrets(
        "a b c d e f g", lookup_salt=SALT_A, passphrase_salt=SALT_B, cost=KdfCost()
    )
    assert time.perf_counter() - started > 0.1  # two 64 MiB argon2id runs


def test_throttle_per_lookup_and_global() -> None:
    now = [0.0]
    throttle = LoginThrottle(per_lookup_per_minute=2, global_per_minute=5, clock=lambda: now[0])
    throttle.check_lookup("x")
    throttle.check_lookup("x")
    with pytest.raises(LoginThrottled):
        throttle.check_lookup("x")
    throttle.check_lookup("y")  # another lookup id is not affected
    now[0] = 61.0
    throttle.check_lookup("x")  # the window slid on
    for _ in range(5):
        throttle.check_global()
    with pytest.raises(LoginThrottled):
        throttle.check_global()


def test_confidants_throttle_counts_only_failures() -> None:
    now = [0.0]
    failures = FailureThrottle(per_minute=2, clock=lambda: now[0])
    for _ in range(10):
        failures.check("bart")  # checking (a right login) costs nothing
    failures.fail("bart")
    failures.fail("bart")
    with pytest.raises(LoginThrottled, match="wait a minute"):
        failures.check("bart")
    failures.check("anna")  # another username is not affected
    now[0] = 60.5
    failures.check("bart")  # the window slid on


def test_both_apps_share_one_throttled_error() -> None:
    """journalist_ui maps accounts_throttle.LoginThrottled to its 429 page, source_ui catches the
    throttle's: one class, so neither app can miss the other's refusal."""
    assert accounts_throttle.LoginThrottled is LoginThrottled
    assert accounts_throttle.FailureThrottle is FailureThrottle
    assert issubclass(LoginThrottled, KringError)


def test_idle_windows_are_forgotten_so_memory_stays_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(throttle_module, "_MAX_KEYS", 50)
    now = [0.0]
    windows = MinuteWindows(limit=3, clock=lambda: now[0])
    for n in range(50):
        windows.record(f"name-{n}")
    now[0] = 61.0
    windows.record("one-more")
    windows.take("and-another", "full")
    assert len(windows._windows) <= 2
    # A key still inside its minute is kept, and its limit still holds.
    for _ in range(2):
        windows.record("and-another")
    with pytest.raises(LoginThrottled, match="full"):
        windows.check("and-another", "full")
