"""Publish v3 onion services with persistent keys (checking they answer: kring.onion.reachability).

A service lives in a directory laid out like tor's HiddenServiceDir: ``private_key`` (0600),
``hostname``, and for client authorisation ``authorized_clients/NAME.auth``. Services are added
through the control port (ADD_ONION) with the Detach flag, so they outlive our control
connection (a CLI publishing to the system tor may exit) and are removed explicitly with
:func:`unpublish_service`.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import queue
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import stem
import stem.response
from stem.control import Controller, EventType

from kring.onion.errors import PublishFailed, ServiceKeyInvalid
from kring.onion.keys import (
    ServiceKey,
    load_service_key,
    save_service_key,
    validate_client_public_key,
    validate_service_id,
)


@dataclasses.dataclass(frozen=True)
class PublishedService:
    """A published onion service: its address (public) and where it forwards to."""

    service_id: str
    virtual_port: int
    target: str
    client_auth: bool

    @property
    def address(self) -> str:
        """The ``.onion`` address."""
        return f"{self.service_id}.onion"


def _check_target(target: str) -> str:
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"target must be host:port, got {target!r}")
    if host not in {"127.0.0.1", "localhost", "[::1]"}:
        # Forwarding to a non-loopback address would expose that host's service to the whole
        # Tor network and make tor's traffic visible on the LAN.
        raise ValueError("the onion service target must be on loopback")
    return target


@dataclasses.dataclass(frozen=True)
class ServiceSpec:
    """What to publish: the service directory, the loopback target, and for client
    authorisation the base32 x25519 public keys of the clients (None: open to everyone)."""

    service_dir: Path
    target: str
    virtual_port: int = 80
    client_keys: tuple[str, ...] | None = None
    # Tor's proof-of-work defence (proposal 327): None leaves it off.
    pow_defenses: PowDefenses | None = None


@dataclasses.dataclass(frozen=True)
class PowDefenses:
    """tor's onion-service proof-of-work defence and its introduction queue.

    With it on, tor publishes ``pow-params`` in the descriptor; under load the
    suggested effort rises and clients (Tor Browser, at the Tor level, with
    JavaScript off) solve a puzzle before their introduction is served. Rate and
    burst bound how many introductions a second leave the queue (tor's defaults).
    Through the control port, ADD_ONION takes these three; tor's intro-point
    rate limit (``HiddenServiceEnableIntroDoSDefense``) exists only in torrc.
    """

    queue_rate: int = 250
    queue_burst: int = 2500

    def add_onion_keywords(self) -> str:
        """The ADD_ONION keywords that switch the defence on."""
        return (
            f" PoWDefensesEnabled=1 PoWQueueRate={int(self.queue_rate)}"
            f" PoWQueueBurst={int(self.queue_burst)}"
        )


def publish_service(
    controller: Controller,
    *,
    service_dir: Path,
    target: str,
    virtual_port: int = 80,
    client_keys: Iterable[str] | None = None,
    timeout: float = 60.0,
) -> PublishedService:
    """Publish the onion service of ``service_dir`` forwarding ``virtual_port`` to ``target``.

    The first call creates the key with ADD_ONION NEW:ED25519-V3 and saves it (0600) before
    anything else, later calls restore it, so the address never changes. With ``client_keys``
    (base32 x25519 public keys) only those clients can read the descriptor; an empty collection
    means nobody can, which is refused rather than silently publishing to everyone.

    Invariant: the service forwards only to loopback; the key file is never readable by
    others; the call returns only after tor reports a descriptor upload (or PublishFailed).
    """
    spec = ServiceSpec(
        service_dir=service_dir,
        target=target,
        virtual_port=virtual_port,
        client_keys=None if client_keys is None else tuple(client_keys),
    )
    return publish_services(controller, [spec], timeout=timeout)[0]


def publish_services(
    controller: Controller, specs: Sequence[ServiceSpec], *, timeout: float = 60.0
) -> list[PublishedService]:
    """Publish several services at once and wait for all their descriptor uploads together.

    Same rules as :func:`publish_service` for each; publishing side by side saves one upload
    round (1-2 s) per extra service at startup.

    Invariant: as publish_service; and if any of them fails, the ones this call already
    added are removed again, so a failed call leaves nothing half published.
    """
    prepared = []
    for spec in specs:
        _check_target(spec.target)
        keys = None
        if spec.client_keys is not None:
            keys = sorted({validate_client_public_key(k) for k in spec.client_keys})
            if not keys:
                raise PublishFailed(
                    "no authorised clients: add a confidant key first "
                    "(kring onion client add NAME)"
                )
        prepared.append((spec, keys))
    uploads: queue.Queue[Any] = queue.Queue()
    published: list[PublishedService] = []
    # Listen before sending, so the upload events of a fast tor are not missed.
    controller.add_event_listener(uploads.put, EventType.HS_DESC)
    try:
        for spec, keys in prepared:
            published.append(_add_onion(controller, spec, keys))
        _await_uploads(uploads, [p.service_id for p in published], timeout)
    except BaseException:
        for service in published:
            with contextlib.suppress(Exception):
                unpublish_service(controller, service.service_id)
        raise
    finally:
        controller.remove_event_listener(uploads.put)
    return published


def _add_onion(
    controller: Controller, spec: ServiceSpec, keys: list[str] | None
) -> PublishedService:
    key = load_service_key(spec.service_dir)
    if key is not None:
        # Re-publishing (restart, revoke) on a tor that still has our detached service.
        unpublish_service(controller, key.service_id)
    request = _add_onion_request(key, spec.virtual_port, spec.target, keys)
    if spec.pow_defenses is not None:
        request += spec.pow_defenses.add_onion_keywords()
    try:
        response = controller.msg(request)
        stem.response.convert("ADD_ONION", response)
    except stem.ControllerError as exc:
        # tor's reply names the problem and never echoes the key.
        raise PublishFailed(f"tor refused the onion service: {exc}") from None
    service_id: str = response.service_id  # type: ignore[attr-defined]
    if key is not None and service_id != key.service_id:
        # The hostname file and the key disagree: publishing would give a different
        # address than the one confidants hold, so stop here.
        unpublish_service(controller, service_id)
        raise ServiceKeyInvalid(
            f"the key in {spec.service_dir} belongs to {service_id}.onion, not to the address "
            "in its hostname file; restore the matching pair from a backup"
        )
    if key is None:
        new_key = ServiceKey(
            key_type=response.private_key_type,  # type: ignore[attr-defined]
            key_blob=response.private_key,  # type: ignore[attr-defined]
            service_id=validate_service_id(service_id),
        )
        # Saved before waiting for the upload: a timeout must not lose the new address.
        save_service_key(spec.service_dir, new_key)
    return PublishedService(
        service_id=service_id,
        virtual_port=spec.virtual_port,
        target=spec.target,
        client_auth=bool(keys),
    )


def _add_onion_request(
    key: ServiceKey | None, virtual_port: int, target: str, client_keys: list[str] | None
) -> str:
    # Built by hand: stem's wrapper takes a single ClientAuthV3 key, we need the whole set.
    if key is None:
        request = "ADD_ONION NEW:ED25519-V3"
    else:
        request = f"ADD_ONION {key.key_type}:{key.key_blob}"
    flags = ["Detach"]
    if client_keys:
        flags.append("V3Auth")
    request += f" Flags={','.join(flags)} Port={int(virtual_port)},{target}"
    for public in client_keys or ():
        request += f" ClientAuthV3={public}"
    return request


def _await_uploads(uploads: queue.Queue[Any], service_ids: Sequence[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    wanted = set(service_ids)
    started: set[str] = set()
    # Uploads under way per HSDir. tor names the service on UPLOAD but not always on
    # UPLOADED/FAILED, so answers are matched by directory; with several services going
    # to the same HSDirs, counting per directory keeps every upload accounted for.
    pending: collections.Counter[str] = collections.Counter()
    uploaded = 0
    last_failure = "no upload attempt seen"
    while True:
        # Done when every service started uploading, every HSDir answered and enough accepted:
        # a re-published service must not leave HSDirs serving the old descriptor (whose
        # introduction points are gone) to clients that ask them right after we return.
        if started == wanted and uploaded >= len(wanted) and not +pending:
            return
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            if started == wanted and uploaded >= len(wanted):
                return  # some HSDirs have them; tor keeps retrying the others by itself
            names = ", ".join(f"{sid}.onion" for sid in sorted(wanted))
            raise PublishFailed(
                f"the descriptor of {names} was not uploaded within {timeout:.0f} s "
                f"({last_failure}); is tor bootstrapped and its network enabled?"
            )
        try:
            event = uploads.get(timeout=remaining)
        except queue.Empty:
            continue
        if event.action == stem.HSDescAction.UPLOAD and event.address in wanted:
            started.add(event.address)
            pending[event.directory_fingerprint] += 1
        elif pending[event.directory_fingerprint] > 0:
            if event.action == stem.HSDescAction.UPLOADED:
                pending[event.directory_fingerprint] -= 1
                uploaded += 1
            elif event.action == stem.HSDescAction.FAILED:
                # tor retries other HSDirs by itself; remember why for the message.
                pending[event.directory_fingerprint] -= 1
                last_failure = f"last upload failed: {event.reason}"


def unpublish_service(controller: Controller, service_id: str) -> bool:
    """Remove a published (detached) onion service and cut the sessions open to it.

    Returns False if tor did not have the service.

    Invariant: only the given service id is touched, and once this returns no client can reach
    it, not even over an existing connection: tor's DEL_ONION keeps rendezvous circuits open
    "for existing connections to finish", and a client reuses such a circuit for new requests,
    so a revoked confidant with an open browser would keep access for up to 10 minutes. We
    close those circuits ourselves. A missing service is not an error, so stopping is safe to
    repeat.
    """
    try:
        removed = bool(controller.remove_ephemeral_hidden_service(service_id))
        for circuit in controller.get_circuits([]):
            if circuit.purpose == "HS_SERVICE_REND" and circuit.rend_query == service_id:
                with contextlib.suppress(stem.InvalidArguments):  # closed meanwhile
                    controller.close_circuit(circuit.id)
    except stem.ControllerError as exc:
        raise PublishFailed(f"tor could not remove {service_id}.onion: {exc}") from None
    return removed
