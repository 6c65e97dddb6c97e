"""Confidant and admin accounts: records, passwords, TOTP, login, enrolment, notices,
administration, and confidants as recipients.

The package itself exports nothing: import its modules.
"""
