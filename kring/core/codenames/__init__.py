"""Codenames: generating and normalising them, the word lists, the pre-filter, and the
argon2id derivation (with its bounded pool) from codename to lookup id and key passphrase.

The package itself exports nothing: import its modules.
"""
