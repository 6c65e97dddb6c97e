"""The adapters a running instance needs, built once per app and passed around."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kring.core.codenames.kdf_pool import KdfPool, PoolSize, size_for_machine
from kring.core.db import make_engine, make_sessionmaker
from kring.core.settings import Settings
from kring.core.storage.store import Store
from kring.core.throttle import LoginThrottle
from kring.crypto.gpg import GpgHome


def utc_today() -> dt.date:
    """Today's date in UTC: the only clock reporter-facing records use."""
    return dt.datetime.now(dt.UTC).date()


@dataclasses.dataclass
class CoreContext:
    """Settings plus the database, store, gpg home, throttle and clock."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    store: Store
    gpg: GpgHome
    throttle: LoginThrottle
    today: Callable[[], dt.date] = utc_today
    kdf_pool: KdfPool = dataclasses.field(
        default_factory=lambda: KdfPool(PoolSize(workers=1, queue=2, login_reserve=1))
    )


def build_context(settings: Settings) -> CoreContext:
    """Build the adapters for ``settings`` (no module globals anywhere)."""
    engine = make_engine(settings.database_url)
    return CoreContext(
        settings=settings,
        engine=engine,
        sessions=make_sessionmaker(engine),
        store=Store(settings.store_dir),
        gpg=GpgHome(settings.gpg_home).ensure(),
        throttle=LoginThrottle(
            per_lookup_per_minute=settings.login_attempts_per_lookup_per_minute,
            global_per_minute=settings.login_attempts_global_per_minute,
        ),
        kdf_pool=KdfPool(
            _pool_size(settings), creations_per_minute=settings.codenames_per_minute
        ),
    )


def _pool_size(settings: Settings) -> PoolSize:
    size = size_for_machine(settings.kdf.memory_kib)
    if settings.kdf_workers > 0:
        queue = 2 * settings.kdf_workers
        size = PoolSize(settings.kdf_workers, queue, max(1, queue // 2))
    return size
