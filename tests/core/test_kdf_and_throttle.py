"""argon2id derivation and login throttling."""

from __future__ import annotations

import time

import pytest

from kring.core.kdf import derive_reporter_secrets
from kring.core.settings import KdfCost
from kring.core.throttle import LoginThrottle, LoginThrottled

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
