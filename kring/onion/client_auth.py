"""Per-confidant x25519 keys for the journalist onion service (v3 client authorisation).

The service directory holds only public keys, one file per confidant:
``authorized_clients/NAME.auth`` with ``descriptor:x25519:<base32 public key>``, the format tor
itself reads. ``add(name)`` creates a key pair and hands the private half over once, as a Tor
Browser ``.auth_private`` file (0600) and a QR code, in a handover folder.

Why the server does not keep the private key: whoever holds it can open the confidants' login
page over Tor; a copy on the server adds nothing for the confidant (Tor Browser keeps its own)
and is one more thing a server thief could take. So the handover files are meant to be moved to
the confidant's device and then deleted (``ClientRegistry.forget_handover(name)``); ``revoke``
deletes any that are left. A lost key is replaced by revoke + add, never recovered.
"""

from __future__ import annotations

import builtins
import dataclasses
import re
from pathlib import Path

import stem
import stem.response
from stem.control import Controller

from kring.onion.errors import BadClientKey, BadClientName, ClientExists, UnknownClient
from kring.onion.keys import (
    ClientKeyPair,
    ensure_service_key,
    format_auth_line,
    format_auth_private_line,
    generate_client_keypair,
    parse_auth_line,
    parse_auth_private_line,
    write_public_file,
    write_secret_file,
)
from kring.qr import have_pillow, qr_png, qr_svg, qr_terminal

AUTHORIZED_CLIENTS_DIR = "authorized_clients"
HANDOVER_DIR = "handover"
# Letters, digits, dot, dash, underscore; no leading dot (hidden files) and no path separators.
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


def validate_client_name(name: str) -> str:
    """Return ``name`` if it is a safe confidant key name, else raise BadClientName.

    Invariant: a name can never address a file outside ``authorized_clients/`` (no ``/``, no
    ``..``, no leading dot, at most 63 characters).
    """
    if not _NAME_RE.match(name) or ".." in name:
        raise BadClientName(
            f"{name!r} is not a usable key name: use 1-63 letters, digits, '.', '-' or '_', "
            "starting with a letter or digit"
        )
    return name


@dataclasses.dataclass(frozen=True)
class ClientKey:
    """A confidant's authorised public key as stored on the server (no secret)."""

    name: str
    public_b32: str


@dataclasses.dataclass(frozen=True, repr=False)
class ClientHandover:
    """What ``add`` hands over once: the ``.auth_private`` line and where its copies are."""

    name: str
    public_b32: str
    auth_private_line: str  # secret
    auth_private_path: Path
    qr_image_path: Path
    qr_text: str  # secret: the same line as a terminal QR code

    def __repr__(self) -> str:
        return f"ClientHandover(name={self.name!r}, auth_private_path={self.auth_private_path!r})"


class ClientRegistry:
    """The authorised clients of one onion service directory (journalist_ui's).

    ``handover_dir`` defaults to ``<service_dir>/handover``; point it at removable media to keep
    private keys off the server's disk altogether.
    """

    def __init__(self, service_dir: Path, *, handover_dir: Path | None = None) -> None:
        """Manage client keys of ``service_dir`` (created on first ``add``)."""
        self.service_dir = Path(service_dir)
        self.clients_dir = self.service_dir / AUTHORIZED_CLIENTS_DIR
        self.handover_dir = Path(handover_dir) if handover_dir else self.service_dir / HANDOVER_DIR

    def _auth_path(self, name: str) -> Path:
        return self.clients_dir / f"{validate_client_name(name)}.auth"

    def add(self, name: str) -> ClientHandover:
        """Create a key pair for confidant ``name``, store the public half, hand over the private.

        The service key is created if the service has none yet, because the ``.auth_private``
        line names the onion address.

        Invariant: only the public key is stored in ``authorized_clients``; the private key is
        written once, 0600, to the handover folder (``.auth_private`` and a QR image) and kept
        nowhere else. An existing name is never overwritten (ClientExists).
        """
        auth_path = self._auth_path(name)
        if auth_path.exists():
            raise ClientExists(f"a client key named {name!r} exists; revoke it first")
        service = ensure_service_key(self.service_dir)
        pair: ClientKeyPair = generate_client_keypair()
        line = format_auth_private_line(service.service_id, pair.private_b32)

        self.clients_dir.mkdir(parents=True, exist_ok=True)
        self.handover_dir.mkdir(parents=True, exist_ok=True)
        self.handover_dir.chmod(0o700)
        private_path = self.handover_dir / f"{name}.auth_private"
        write_secret_file(private_path, f"{line}\n".encode("ascii"))
        image_suffix, image = qr_image(line)
        image_path = self.handover_dir / f"{name}{image_suffix}"
        write_secret_file(image_path, image)
        # The public key goes live last: a failed handover leaves no key nobody holds.
        write_public_file(auth_path, f"{format_auth_line(pair.public_b32)}\n".encode("ascii"))
        return ClientHandover(
            name=name,
            public_b32=pair.public_b32,
            auth_private_line=line,
            auth_private_path=private_path,
            qr_image_path=image_path,
            qr_text=qr_terminal_text(line),
        )

    def list(self) -> list[ClientKey]:
        """All authorised clients, sorted by name.

        Invariant: a malformed ``.auth`` file raises BadClientKey naming it, instead of being
        skipped: a silently ignored file would make the admin believe someone has access.
        """
        if not self.clients_dir.is_dir():
            return []
        clients = []
        for path in sorted(self.clients_dir.glob("*.auth")):
            name = path.name.removesuffix(".auth")
            try:
                public = parse_auth_line(path.read_text(encoding="ascii"))
            except (BadClientKey, UnicodeDecodeError) as exc:
                raise BadClientKey(f"{path}: {exc}") from None
            clients.append(ClientKey(name=validate_client_name(name), public_b32=public))
        return clients

    def public_keys(self) -> builtins.list[str]:
        """The base32 public keys to publish the service with (see services.publish_service)."""
        return [client.public_b32 for client in self.list()]

    def revoke(self, name: str) -> None:
        """Remove confidant ``name``'s key and any handover files left for it.

        The revocation takes effect when the service is published again with the remaining
        keys (``OnionStack.reload_clients()`` or the next start); until then tor still serves
        the old descriptor.

        Invariant: after re-publication a client holding only this key cannot reach the service.
        """
        auth_path = self._auth_path(name)
        if not auth_path.exists():
            raise UnknownClient(f"no client key named {name!r}")
        auth_path.unlink()
        self.forget_handover(name)

    def forget_handover(self, name: str) -> None:
        """Delete the handover files of ``name`` once the confidant has their key.

        Invariant: after this the server holds no copy of that private key.
        """
        validate_client_name(name)
        for suffix in (".auth_private", ".png", ".svg"):
            (self.handover_dir / f"{name}{suffix}").unlink(missing_ok=True)


def qr_terminal_text(line: str) -> str:
    """A QR code of ``line`` drawn with block characters, for a terminal.

    Invariant: the text contains the private key; callers print it once, never log it.
    """
    return qr_terminal(line, border=2)


def qr_image(line: str) -> tuple[str, bytes]:
    """A QR image of ``line``: (".png", bytes) with Pillow installed, else (".svg", bytes).

    Invariant: the image is returned in memory, so the caller writes it 0600 like the key.
    """
    if have_pillow():
        return ".png", qr_png(line)
    return ".svg", qr_svg(line)


# ---- the client side (a confidant's tor, or a test client) ----------------------------------


def add_key_to_client(controller: Controller, auth_private_line: str) -> str:
    """Give a client tor the key of an ``.auth_private`` line (ONION_CLIENT_AUTH_ADD).

    Returns the service id. The key stays in that tor's memory only (no Permanent flag).

    Invariant: the private key goes only to the tor behind ``controller``, never to a file.
    """
    service_id, private_b32 = parse_auth_private_line(auth_private_line)
    pair = ClientKeyPair(public_b32="", private_b32=private_b32)
    # The control port wants the key in base64 here, while the key files hold base32.
    response = controller.msg(f"ONION_CLIENT_AUTH_ADD {service_id} x25519:{pair.private_b64}")
    stem.response.convert("SINGLELINE", response)
    # tor answers 250, or 251/252 when it replaced or ignored a key; both mean "now in use".
    if response.code not in {"250", "251", "252"}:
        raise BadClientKey(f"tor refused the client key: {response}")
    return service_id


def remove_key_from_client(controller: Controller, service_id: str) -> None:
    """Forget the client key of ``service_id`` in a client tor (ONION_CLIENT_AUTH_REMOVE).

    Invariant: afterwards that tor holds no key for the service.
    """
    response = controller.msg(f"ONION_CLIENT_AUTH_REMOVE {service_id.removesuffix('.onion')}")
    stem.response.convert("SINGLELINE", response)
    if response.code not in {"250", "251"}:
        raise stem.OperationFailed(message=f"tor refused to remove the client key: {response}")
