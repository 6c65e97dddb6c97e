"""Waiting for descriptor uploads of several services at once (unit test of our bookkeeping).

tor's HS_DESC events name the service on UPLOAD but not on UPLOADED, so answers are counted
per HSDir. The real publishing is exercised against tor in test_stack and test_services.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

import pytest
import stem

from kring.onion.errors import PublishFailed
from kring.onion.services import _await_uploads

A, B = "a" * 56, "b" * 56


@dataclass
class Event:
    action: Any
    address: str
    directory_fingerprint: str
    reason: str | None = None


def upload(address: str, hsdir: str) -> Event:
    return Event(stem.HSDescAction.UPLOAD, address, hsdir)


def uploaded(hsdir: str) -> Event:
    return Event(stem.HSDescAction.UPLOADED, "UNKNOWN", hsdir)


def feed(events: list[Event]) -> queue.Queue[Any]:
    q: queue.Queue[Any] = queue.Queue()
    for event in events:
        q.put(event)
    return q


def test_waits_until_every_upload_of_both_services_is_answered() -> None:
    # Both services upload to HSDir X: the first UPLOADED from X must not end the wait,
    # because the other service's descriptor is still on its way there.
    q: queue.Queue[Any] = queue.Queue()
    for event in (upload(A, "X"), upload(B, "X"), upload(A, "Y"), uploaded("Y"), uploaded("X")):
        q.put(event)
    late = threading.Timer(0.4, q.put, args=(uploaded("X"),))
    started = time.monotonic()
    late.start()
    _await_uploads(q, [A, B], timeout=5)
    assert time.monotonic() - started >= 0.35
    assert q.empty()


def test_a_service_without_any_upload_times_out_with_its_name() -> None:
    q = feed([upload(A, "X"), uploaded("X")])
    with pytest.raises(PublishFailed, match=B):
        _await_uploads(q, [A, B], timeout=0.5)


def test_at_the_deadline_enough_accepted_uploads_count_as_published() -> None:
    # HSDir Z never answers (tor keeps retrying it); A and B were each accepted somewhere.
    # The wait gives Z its whole time, then returns instead of failing the publish.
    q = feed([upload(A, "X"), upload(B, "Y"), upload(A, "Z"), uploaded("X"), uploaded("Y")])
    started = time.monotonic()
    _await_uploads(q, [A, B], timeout=0.5)
    assert 0.45 <= time.monotonic() - started < 3
    assert q.empty()


def test_at_the_deadline_a_service_nobody_accepted_fails_the_publish() -> None:
    # The same unanswered HSDir, but B's only upload went there: B is not published.
    q = feed([upload(A, "X"), upload(B, "Z"), uploaded("X")])
    with pytest.raises(PublishFailed, match="not uploaded within"):
        _await_uploads(q, [A, B], timeout=0.5)


def test_failed_uploads_are_answers_but_not_acceptances() -> None:
    failed = Event(stem.HSDescAction.FAILED, "UNKNOWN", "X", reason="UPLOAD_REJECTED")
    q = feed([upload(A, "X"), failed])
    with pytest.raises(PublishFailed, match="UPLOAD_REJECTED"):
        _await_uploads(q, [A], timeout=0.5)
