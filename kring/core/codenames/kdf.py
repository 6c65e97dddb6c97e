"""From codename to lookup id and reply-key passphrase, with argon2id."""

from __future__ import annotations

import dataclasses

from argon2.low_level import Type, hash_secret_raw

from kring.core.settings import KdfCost

_HASH_LEN = 32


@dataclasses.dataclass(frozen=True, repr=False)
class ReporterSecrets:
    """What a codename unlocks. Kept only in server memory (session state)."""

    lookup_id: str
    passphrase: str
    # The codename's pre-filter tag (kring.core.codenames.prefilter), stored with a new
    # conversation.
    prefilter_tag: int | None = None

    def __repr__(self) -> str:  # never let a secret reach a log through repr()
        return "ReporterSecrets(<hidden>)"


def _derive(codename: str, salt: bytes, cost: KdfCost) -> bytes:
    return hash_secret_raw(
        secret=codename.encode("utf-8"),
        salt=salt,
        time_cost=cost.time_cost,
        memory_cost=cost.memory_kib,
        parallelism=cost.parallelism,
        hash_len=_HASH_LEN,
        type=Type.ID,
    )


def derive_reporter_secrets(
    codename: str, *, lookup_salt: bytes, passphrase_salt: bytes, cost: KdfCost
) -> ReporterSecrets:
    """Derive the database lookup id and the reply-key passphrase from a codename.

    Invariant: two independent argon2id derivations with two secret
    instance-wide salts; neither output reveals the other or the codename, and
    someone with the database but not the salts cannot test codename guesses.
    Both are always computed, so a failed and a successful login cost the same.
    """
    lookup = _derive(codename, lookup_salt, cost)
    passphrase = _derive(codename, passphrase_salt, cost)
    return ReporterSecrets(lookup_id=lookup.hex(), passphrase=passphrase.hex())
