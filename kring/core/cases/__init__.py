"""The confidant's side of a conversation: inbox, actions, replies, downloads, legal clock,
closing, retention, deletion notices and activity notices.

The package itself exports nothing: import its modules.
"""
