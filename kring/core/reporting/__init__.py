"""The reporter's side: codename access, submissions, and their own conversation.

The package itself exports nothing: import its modules.
"""
