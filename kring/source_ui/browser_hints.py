"""Hints that the reporter's browser is not as safe as it should be, without any script.

JavaScript: base.html shows a warning by default and loads noscript.css inside
``<noscript>``; only a browser with scripts off reads it and hides the warning.
Onion: a page served under a host that is not a ``.onion`` name was not
reached through Tor's onion service, so the page says how to get there.
"""

from __future__ import annotations

_LOOPBACK = ("127.", "localhost", "[::1]", "::1")


def reached_outside_onion(host: str) -> bool:
    """Whether ``host`` (the request's Host header) is not the onion address.

    Loopback hosts are the operator's own machine (demo, tests), never a
    reporter, so they get no hint.
    """
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
    name = name.lower().rstrip(".")
    if name.startswith(_LOOPBACK):
        return False
    return not name.endswith(".onion")
