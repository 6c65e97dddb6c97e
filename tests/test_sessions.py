"""Server-side session store: idle expiry, data never in the cookie."""

from __future__ import annotations

from kring.web.sessions import MemorySessionStore


def test_idle_expiry_and_touch() -> None:
    now = [0.0]
    store = MemorySessionStore(idle_seconds=60, clock=lambda: now[0])
    store.put("sid", {"lookup_id": "abc"})
    now[0] = 59.0
    assert store.get("sid") == {"lookup_id": "abc"}
    now[0] = 118.0  # touched at 59: still alive
    assert store.get("sid") is not None
    now[0] = 179.0
    assert store.get("sid") is None
    assert len(store) == 0


def test_delete() -> None:
    store = MemorySessionStore(idle_seconds=60)
    store.put("sid", {"a": 1})
    store.delete("sid")
    assert store.get("sid") is None
