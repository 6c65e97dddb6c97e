"""Alembic environment: runs migrations against the URL given by kring.core.db."""

from __future__ import annotations

from alembic import context

from kring.core.content import models  # noqa: F401 - registers the informing tables
from kring.core.db import make_engine
from kring.core.models import Base

config = context.config


def run_migrations_online() -> None:
    """Run every pending migration in one transaction per revision."""
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
