"""Informing reporters: information pages, the code of conduct, confidants' profiles, media,
markdown, and the default content an instance starts with.

The package itself exports nothing: import its modules.
"""
