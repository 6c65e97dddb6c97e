"""The key-derivation pool and the codename pre-filter."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import select

from kring.core.codenames import phrases
from kring.core.codenames.kdf_pool import KdfBusy, KdfPool, PoolSize, Purpose, size_for_machine
from kring.core.codenames.prefilter import TAG_BITS, prefilter_tag
from kring.core.context import CoreContext
from kring.core.errors import UnknownCodename
from kring.core.models import Reporter
from kring.core.reporting import access, submission


def _blocking_work(release: threading.Event, started: list[int]) -> Callable[[], int]:
    def work() -> int:
        started.append(1)
        release.wait(10)
        return 1

    return work


def _fill(pool: KdfPool, purpose: Purpose, count: int, release: threading.Event) -> list[threading.Thread]:
    """Start ``count`` blocking derivations (running or queued)."""
    started: list[int] = []
    threads = []
    for _ in range(count):
        thread = threading.Thread(
            target=lambda: pool.run(purpose, _blocking_work(release, started)), daemon=True
        )
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + 5
    while pool.load()[1] < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return threads


def test_pool_size_follows_cores_and_memory() -> None:
    assert size_for_machine(64 * 1024, cores=2, memory_bytes=24 * 2**30).workers == 2
    # 512 MiB available: a quarter holds two 64 MiB derivations, not eight.
    assert size_for_machine(64 * 1024, cores=8, memory_bytes=512 * 2**20).workers == 2
    assert size_for_machine(64 * 1024, cores=4, memory_bytes=10 * 2**20).workers == 1
    size = size_for_machine(64 * 1024, cores=2, memory_bytes=24 * 2**30)
    assert size.queue == 4 and size.login_reserve == 2


def test_full_pool_answers_busy_at_once_and_runs_again_after() -> None:
    pool = KdfPool(PoolSize(workers=1, queue=1, login_reserve=0), max_wait_s=5, login_max_wait_s=5)
    release = threading.Event()
    threads = _fill(pool, Purpose.LOGIN, 2, release)
    started = time.monotonic()
    with pytest.raises(KdfBusy):
        pool.run(Purpose.LOGIN, lambda: 1)
    assert time.monotonic() - started < 0.1
    release.set()
    for thread in threads:
        thread.join(5)
    assert pool.run(Purpose.LOGIN, lambda: 7) == 7
    assert pool.load() == (0, 0)


def test_waiting_longer_than_allowed_gives_busy() -> None:
    pool = KdfPool(
        PoolSize(workers=1, queue=2, login_reserve=0), max_wait_s=0.3, login_max_wait_s=0.3
    )
    release = threading.Event()
    threads = _fill(pool, Purpose.LOGIN, 1, release)
    started = time.monotonic()
    with pytest.raises(KdfBusy):
        pool.run(Purpose.LOGIN, lambda: 1)
    assert 0.25 < time.monotonic() - started < 1.0
    release.set()
    for thread in threads:
        thread.join(5)


def test_codename_flood_cannot_take_the_logins_share() -> None:
    pool = KdfPool(
        PoolSize(workers=1, queue=3, login_reserve=2),
        max_wait_s=5,
        login_max_wait_s=5,
        key_pair_reserve=0,
    )
    release = threading.Event()
    threads = _fill(pool, Purpose.NEW_CODENAME, 2, release)
    with pytest.raises(KdfBusy):
        pool.run(Purpose.NEW_CODENAME, lambda: 1)  # creation's share is full
    done: list[int] = []
    login = threading.Thread(target=lambda: done.append(pool.run(Purpose.LOGIN, lambda: 5)))
    login.start()
    time.sleep(0.1)
    assert pool.load()[1] == 3  # the login was admitted, into the share kept for logins
    release.set()
    login.join(5)
    for thread in threads:
        thread.join(5)
    assert done == [5]


def test_a_freed_worker_goes_to_a_waiting_login_first() -> None:
    pool = KdfPool(PoolSize(workers=1, queue=4, login_reserve=1), max_wait_s=5, login_max_wait_s=5)
    order: list[str] = []
    release = threading.Event()
    first = _fill(pool, Purpose.NEW_CODENAME, 1, release)
    creation = threading.Thread(
        target=lambda: pool.run(Purpose.NEW_CODENAME, lambda: order.append("creation"))
    )
    creation.start()
    time.sleep(0.05)
    login = threading.Thread(target=lambda: pool.run(Purpose.LOGIN, lambda: order.append("login")))
    login.start()
    time.sleep(0.05)
    release.set()
    for thread in [*first, creation, login]:
        thread.join(5)
    assert order == ["login", "creation"]


def test_codename_creation_is_capped_per_minute() -> None:
    now = [0.0]
    pool = KdfPool(
        PoolSize(workers=2, queue=2, login_reserve=1), creations_per_minute=3, clock=lambda: now[0]
    )
    for _ in range(3):
        pool.run(Purpose.NEW_CODENAME, lambda: 1)
    with pytest.raises(KdfBusy):
        pool.run(Purpose.NEW_CODENAME, lambda: 1)
    pool.run(Purpose.LOGIN, lambda: 1)  # logins are not capped
    now[0] = 61.0
    pool.run(Purpose.NEW_CODENAME, lambda: 1)


def test_prefilter_tags_are_keyed_and_spread() -> None:
    salt_a, salt_b = b"a" * 16, b"b" * 16
    tags = {prefilter_tag(f"word{i} two three four five six seven", salt_a) for i in range(2000)}
    assert len(tags) > 1990  # few collisions among 2000 in 2^20
    assert all(0 <= t < 2**TAG_BITS for t in tags)
    codename = "alpha bravo charlie delta echo fox golf"
    assert prefilter_tag(codename, salt_a) != prefilter_tag(codename, salt_b)


def _submit_first(ctx: CoreContext, codename: str) -> None:
    draft = submission.SubmissionDraft(ctx, access.derive_secrets(ctx, codename))
    try:
        draft.choose(recipient=None, path=None, category=None)
        draft.set_message("hello")
        draft.commit()
    finally:
        draft.discard()


def test_new_conversation_stores_its_tag_and_legacy_ones_get_it_at_login(
    ctx: CoreContext, confidant_a: int
) -> None:
    codename, _ = access.new_codename(ctx, "en")
    _submit_first(ctx, codename)
    expected = prefilter_tag(codename, ctx.settings.lookup_salt)
    with ctx.sessions.begin() as db:
        reporter = db.scalar(select(Reporter))
        assert reporter is not None and reporter.prefilter_tag == expected
        reporter.prefilter_tag = None  # as made before the pre-filter existed
    other, _ = access.new_codename(ctx, "en")
    # While a conversation has no tag, nothing is filtered: a wrong codename is derived.
    with pytest.raises(UnknownCodename):
        access.login(ctx, other)
    access.login(ctx, codename)
    with ctx.sessions() as db:
        assert db.scalar(select(Reporter.prefilter_tag)) == expected


def test_guessing_never_locks_out_the_real_reporter(ctx: CoreContext, confidant_a: int) -> None:
    """Hundreds of wrong codenames in a minute; the real one still logs in at once."""
    codename, _ = access.new_codename(ctx, "en")
    _submit_first(ctx, codename)
    started = time.monotonic()
    for _ in range(ctx.settings.login_attempts_global_per_minute * 3):
        guess, _ = phrases.generate_codename("en"), None
        with pytest.raises(UnknownCodename):
            access.login(ctx, guess)
    assert time.monotonic() - started < 5  # no derivation was spent on them
    assert access.login(ctx, codename).lookup_id


def test_key_pairs_share_the_creations_part_not_the_logins() -> None:
    pool = KdfPool(PoolSize(workers=1, queue=3, login_reserve=2), key_pair_max_wait_s=5)
    release = threading.Event()
    threads = _fill(pool, Purpose.KEY_PAIR, 2, release)
    with pytest.raises(KdfBusy):
        pool.run(Purpose.KEY_PAIR, lambda: 1)  # the shared part is full
    with pytest.raises(KdfBusy):
        pool.run(Purpose.NEW_CODENAME, lambda: 1)  # and new codenames share it
    done: list[int] = []
    login = threading.Thread(target=lambda: done.append(pool.run(Purpose.LOGIN, lambda: 5)))
    login.start()
    time.sleep(0.1)
    assert pool.load()[1] == 3  # a login still gets in
    release.set()
    login.join(5)
    for thread in threads:
        thread.join(5)
    assert done == [5]


def test_a_first_submission_makes_its_key_pair_in_the_pool(
    ctx: CoreContext, confidant_a: int
) -> None:
    """A full pool refuses a first submission's key pair (nothing stored); a free one makes it."""
    codename, _ = access.new_codename(ctx, "en")
    ctx.kdf_pool = KdfPool(PoolSize(workers=1, queue=1, login_reserve=1), key_pair_max_wait_s=0.2)
    release = threading.Event()
    threads = _fill(ctx.kdf_pool, Purpose.KEY_PAIR, 1, release)  # others' key pairs hold it
    with pytest.raises(KdfBusy):
        _submit_first(ctx, codename)
    with ctx.sessions() as db:
        assert db.scalars(select(Reporter)).all() == []
    assert [p for p in ctx.settings.store_dir.rglob("*") if p.is_file()] == []
    release.set()
    for thread in threads:
        thread.join(5)
    _submit_first(ctx, codename)
    with ctx.sessions() as db:
        assert len(db.scalars(select(Reporter)).all()) == 1


def test_a_codename_flood_cannot_turn_away_a_first_submissions_key_pair() -> None:
    pool = KdfPool(PoolSize(workers=1, queue=3, login_reserve=1), max_wait_s=5,
                   key_pair_max_wait_s=5)
    release = threading.Event()
    threads = _fill(pool, Purpose.NEW_CODENAME, 2, release)  # one runs, one waits
    with pytest.raises(KdfBusy):
        pool.run(Purpose.NEW_CODENAME, lambda: 1)  # the codenames' part is full
    order: list[str] = []
    key_pair = threading.Thread(
        target=lambda: pool.run(Purpose.KEY_PAIR, lambda: order.append("key pair"))
    )
    key_pair.start()
    time.sleep(0.1)
    assert pool.load()[1] == 3  # admitted into the place kept for key pairs
    release.set()
    key_pair.join(5)
    for thread in threads:
        thread.join(5)
    assert order == ["key pair"]
