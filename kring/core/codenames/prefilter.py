"""A cheap keyed pre-filter: most guessed codenames are refused before any derivation.

Each conversation keeps a 20-bit tag, HMAC-SHA256 of its codename under a key
made from the instance's secret lookup salt. A typed codename whose tag no
conversation has cannot be one of theirs, so the login answers "no
conversation" without spending two 64 MiB argon2id derivations on it. With N
conversations a random well-formed codename passes with probability about
N / 2^20 (0.1 % at a thousand), so someone sending guesses costs the server an
HMAC and one indexed query each, and cannot use the derivation pool to keep
real reporters out. A real reporter's codename always passes.

Conversations made before the tag existed have none (NULL) until their
reporter logs in once; while any has none, every codename passes (the filter
never refuses a real reporter).

What it costs against an attacker who holds the disk (database and
``kring.toml`` with the salts): a guess is first checked with an HMAC, and
only one in 2^20 / N needs argon2id. Codenames are seven words from a
wordlist of thousands (about 90 bits), so guessing stays out of reach; the
tag is no help against the codenames' entropy. See docs/decisions.md.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import or_, select

from kring.core.context import CoreContext
from kring.core.models import Reporter

TAG_BITS = 20


def prefilter_tag(codename: str, lookup_salt: bytes) -> int:
    """The 20-bit tag of a normalised codename under this instance's key."""
    key = hashlib.sha256(b"kring codename prefilter v1\0" + lookup_salt).digest()
    digest = hmac.new(key, codename.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big") >> (32 - TAG_BITS)


def may_be_known(ctx: CoreContext, tag: int) -> bool:
    """False only when no conversation can have this codename (no derivation needed)."""
    with ctx.sessions() as db:
        found = db.scalar(
            select(Reporter.id)
            .where(or_(Reporter.prefilter_tag == tag, Reporter.prefilter_tag.is_(None)))
            .limit(1)
        )
    return found is not None
