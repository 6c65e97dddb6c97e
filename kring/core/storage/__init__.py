"""The ciphertext store on disk and what keeps it honest: writes, the scrub of file times,
leftovers, room checks and size buckets.

The package itself exports nothing: import its modules.
"""
