"""A reporter's way in: a new codename, logging in with it, what the server may know before.

Invariant: the codename itself is never stored; only its derived lookup id
and a 20-bit pre-filter tag are, and a login spends argon2 work only on a
codename the pre-filter does not rule out.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from kring.core.codenames.kdf import ReporterSecrets, derive_reporter_secrets
from kring.core.codenames.kdf_pool import Purpose
from kring.core.codenames.phrases import generate_codename, normalise_codename
from kring.core.codenames.prefilter import may_be_known, prefilter_tag
from kring.core.context import CoreContext
from kring.core.errors import UnknownCodename
from kring.core.models import Reporter


def derive_secrets(ctx: CoreContext, codename: str) -> ReporterSecrets:
    """argon2id-derive the lookup id and passphrase with this instance's salts and cost.

    Costly (two 64 MiB derivations): callers run it in ``ctx.kdf_pool``.
    """
    s = ctx.settings
    secrets_ = derive_reporter_secrets(
        codename, lookup_salt=s.lookup_salt, passphrase_salt=s.passphrase_salt, cost=s.kdf
    )
    return dataclasses.replace(secrets_, prefilter_tag=prefilter_tag(codename, s.lookup_salt))


def find_reporter(ctx: CoreContext, lookup_id: str) -> Reporter | None:
    """The conversation row of this lookup id, if there is one."""
    with ctx.sessions() as db:
        return db.scalar(select(Reporter).where(Reporter.lookup_id == lookup_id))


def new_codename(ctx: CoreContext, language: str) -> tuple[str, ReporterSecrets]:
    """A fresh codename and its derived secrets, for a reporter's first visit.

    Invariant: nothing is stored; the conversation (and reply key) is created
    only with the first submission, so handing out codenames costs no disk and
    leaves no trace of visitors who never wrote.
    """

    def fresh() -> tuple[str, ReporterSecrets]:
        while True:
            codename = generate_codename(language)
            secrets_ = derive_secrets(ctx, codename)
            if find_reporter(ctx, secrets_.lookup_id) is None:
                return codename, secrets_

    # Raises KdfBusy when the pool (or this minute's creation cap) is full.
    return ctx.kdf_pool.run(Purpose.NEW_CODENAME, fresh)


def login(ctx: CoreContext, raw_codename: str) -> ReporterSecrets:
    """Check a codename and return its secrets for the reporter's session.

    Raises MalformedCodename, LoginThrottled, KdfBusy or UnknownCodename. A
    codename no conversation can have (kring.core.codenames.prefilter) is refused before
    any derivation, so guessing costs the server an HMAC; the rest are
    counted against the global throttle and derived in the pool's login share
    (both derivations always run, so known and unknown codenames that pass the
    filter take the same time).
    """
    codename = normalise_codename(raw_codename)
    if not may_be_known(ctx, prefilter_tag(codename, ctx.settings.lookup_salt)):
        raise UnknownCodename("no conversation for this codename")  # no derivation spent
    ctx.throttle.check_global()
    secrets_ = ctx.kdf_pool.run(Purpose.LOGIN, lambda: derive_secrets(ctx, codename))
    ctx.throttle.check_lookup(secrets_.lookup_id)
    reporter = find_reporter(ctx, secrets_.lookup_id)
    if reporter is None:
        raise UnknownCodename("no conversation for this codename")
    if reporter.prefilter_tag is None:
        _set_prefilter_tag(ctx, reporter.id, secrets_.prefilter_tag)
    return secrets_


def _set_prefilter_tag(ctx: CoreContext, reporter_id: int, tag: int | None) -> None:
    """Give a conversation from before the pre-filter its tag, at its reporter's login."""
    with ctx.sessions.begin() as db:
        found = db.get(Reporter, reporter_id)
        if found is not None:
            found.prefilter_tag = tag


def has_conversation(ctx: CoreContext, secrets_: ReporterSecrets) -> bool:
    """Whether this codename has sent anything yet."""
    return find_reporter(ctx, secrets_.lookup_id) is not None


def current_path(ctx: CoreContext, secrets_: ReporterSecrets) -> str | None:
    """The path the conversation is on, or None before the first message."""
    reporter = find_reporter(ctx, secrets_.lookup_id)
    return reporter.path if reporter is not None else None
