"""The confidant's air-gapped workstation: key pair, opening bundles, safe export.

Imports only kring.crypto and the standard library (plus qrcode): it must run
on an offline machine without the web stack.
"""
