"""The confidant's desktop app (``kring-workstation app``): Qt 6 through PySide6.

A front end only: every key, bundle, export and check operation is a call
into kring.workstation and kring.crypto, the same functions the command line
uses. It contains no network code at all (no Qt Network module is imported),
never opens a decrypted file by itself, and needs the ``app`` extra
(``pip install 'kring[app]'``); the rest of the workstation does not.
"""
