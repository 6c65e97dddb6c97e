"""The reporter's side: codename access, submissions, their conversation, replies to them.

The package itself exports nothing: import its modules.
"""
