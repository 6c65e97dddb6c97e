"""Onion service keys, onion addresses and x25519 client keys: encodings and files on disk.

Pure functions and small file helpers, no tor process needed. Formats follow tor's rend-spec-v3
and the files tor itself reads (``hostname``, ``authorized_clients/*.auth``, ``*.auth_private``).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
import re
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from kring.atomic import write_atomic
from kring.onion.errors import BadClientKey, ServiceKeyInvalid

# The file names mirror a tor HiddenServiceDir, so an admin recognises the layout.
PRIVATE_KEY_FILE = "private_key"
HOSTNAME_FILE = "hostname"

ED25519_V3 = "ED25519-V3"
_SERVICE_ID_RE = re.compile(r"^[a-z2-7]{56}$")
_B32_KEY_RE = re.compile(r"^[A-Z2-7]{52}$")
_ONION_VERSION = b"\x03"


def _b32(raw: bytes) -> str:
    # tor writes base32 without padding; 32 bytes give 52 characters.
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def _unb32(text: str) -> bytes:
    padded = text.upper() + "=" * (-len(text) % 8)
    return base64.b32decode(padded)


def onion_service_id(public_key: bytes) -> str:
    """The 56-character v3 service id (address without ``.onion``) of an ed25519 public key.

    Invariant: the id carries tor's SHA3 checksum and version byte, so a mistyped address is
    rejected by tor and by :func:`validate_service_id` instead of reaching another service.
    """
    if len(public_key) != 32:
        raise ValueError("an ed25519 public key is 32 bytes")
    checksum = hashlib.sha3_256(b".onion checksum" + public_key + _ONION_VERSION).digest()[:2]
    return _b32(public_key + checksum + _ONION_VERSION).lower()


def validate_service_id(service_id: str) -> str:
    """Return the bare service id of ``service_id`` (with or without ``.onion``) after checking it.

    Invariant: only an id whose checksum and version match is accepted, so a key is never bound
    to a mistyped or truncated address.
    """
    bare = service_id.strip().lower().removesuffix(".onion")
    if not _SERVICE_ID_RE.match(bare):
        raise ValueError(f"not a v3 onion address: {service_id!r}")
    raw = _unb32(bare)
    if onion_service_id(raw[:32]) != bare:
        raise ValueError(f"onion address checksum does not match: {service_id!r}")
    return bare


def write_secret_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, readable by the owner only (mode 0600).

    Invariant: the file is created with 0600 from the first byte (never chmod'ed afterwards),
    and a crash leaves either the old file or the new one, never a half-written key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data, mode=0o600)


def write_public_file(path: Path, data: bytes) -> None:
    """Write non-secret ``data`` (an address, a public key) atomically with mode 0644.

    Invariant: public files are never written through this with secret content; callers pass
    addresses and public keys only.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data, mode=0o644)


@dataclasses.dataclass(frozen=True, repr=False)
class ServiceKey:
    """A v3 onion service identity: tor's ADD_ONION key blob and the address it gives."""

    key_type: str
    key_blob: str  # secret: base64 of the 64-byte expanded ed25519 key, as tor's ADD_ONION wants
    service_id: str

    def __repr__(self) -> str:
        # Never let the secret half reach a log line or a traceback.
        return f"ServiceKey(service_id={self.service_id!r})"

    @property
    def address(self) -> str:
        """The full ``.onion`` address (public)."""
        return f"{self.service_id}.onion"


def generate_service_key() -> ServiceKey:
    """Create a new v3 onion service key locally, without tor.

    Invariant: the secret seed comes from the OS CSPRNG (via ``cryptography``) and is turned into
    exactly the expanded key tor derives itself, so tor publishes it under the same address.
    Used when an address is needed before tor first runs (e.g. to hand out client keys).
    """
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    expanded = bytearray(hashlib.sha512(seed).digest())
    # RFC 8032 clamping, as tor's ed25519_secret_key_from_seed does.
    expanded[0] &= 248
    expanded[31] &= 127
    expanded[31] |= 64
    blob = base64.b64encode(bytes(expanded)).decode("ascii")
    return ServiceKey(key_type=ED25519_V3, key_blob=blob, service_id=onion_service_id(public))


def save_service_key(service_dir: Path, key: ServiceKey) -> None:
    """Save ``key`` in ``service_dir`` (``private_key`` mode 0600, ``hostname`` mode 0644).

    Invariant: the secret key file is never readable by group or others; the private key is
    written before the hostname, so a hostname file never points at a key that was lost.
    """
    service_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(service_dir, 0o700)
    write_secret_file(service_dir / PRIVATE_KEY_FILE, f"{key.key_type}:{key.key_blob}\n".encode())
    write_public_file(service_dir / HOSTNAME_FILE, f"{key.address}\n".encode())


def load_service_key(service_dir: Path) -> ServiceKey | None:
    """Load the saved key of ``service_dir``, or None if the service never had one.

    Invariant: a key file that group or others can read is refused (ServiceKeyInvalid), like
    ssh does: such a key may already be copied, and an onion address is only as private as it.
    """
    key_path = service_dir / PRIVATE_KEY_FILE
    host_path = service_dir / HOSTNAME_FILE
    if not key_path.exists():
        return None
    mode = stat.S_IMODE(key_path.stat().st_mode)
    if mode & 0o077:
        raise ServiceKeyInvalid(
            f"{key_path} has mode {mode:o}: others may have read the service key; "
            f"check who could, then run chmod 600 {key_path}"
        )
    try:
        key_type, _, blob = key_path.read_text(encoding="ascii").strip().partition(":")
        service_id = validate_service_id(host_path.read_text(encoding="ascii"))
        raw = base64.b64decode(blob, validate=True)
    except (OSError, ValueError) as exc:
        raise ServiceKeyInvalid(
            f"the onion service key in {service_dir} is damaged or its hostname file is "
            f"missing ({type(exc).__name__}); restore both files from a backup"
        ) from None
    if key_type != ED25519_V3 or len(raw) != 64:
        raise ServiceKeyInvalid(f"{key_path} is not an ED25519-V3 onion service key")
    return ServiceKey(key_type=key_type, key_blob=blob, service_id=service_id)


def ensure_service_key(service_dir: Path) -> ServiceKey:
    """Return the saved key of ``service_dir``, creating and saving a new one if there is none.

    Invariant: an existing key is never replaced, so the service keeps its address for good.
    """
    key = load_service_key(service_dir)
    if key is None:
        key = generate_service_key()
        save_service_key(service_dir, key)
    return key


# ---- x25519 client authorisation keys ------------------------------------------------------


@dataclasses.dataclass(frozen=True, repr=False)
class ClientKeyPair:
    """An x25519 key pair for v3 client authorisation, both halves base32 as tor's files use."""

    public_b32: str
    private_b32: str  # secret

    def __repr__(self) -> str:
        return f"ClientKeyPair(public_b32={self.public_b32!r})"

    @property
    def private_b64(self) -> str:
        """The private key in base64, as the control port's ONION_CLIENT_AUTH_ADD wants it."""
        return base64.b64encode(_unb32(self.private_b32)).decode("ascii")


def generate_client_keypair() -> ClientKeyPair:
    """Create a fresh x25519 key pair for one confidant.

    Invariant: the private key comes from the OS CSPRNG and exists only in the returned object
    until the caller writes the one handover file.
    """
    private = X25519PrivateKey.generate()
    raw_private = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    raw_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return ClientKeyPair(public_b32=_b32(raw_public), private_b32=_b32(raw_private))


def validate_client_public_key(public_b32: str) -> str:
    """Return the canonical (upper-case base32) form of an x25519 public key, or BadClientKey.

    Invariant: only a well-formed 32-byte key reaches tor's ClientAuthV3 list, so one bad file
    cannot make tor refuse the whole journalist service.
    """
    canonical = public_b32.strip().upper()
    if not _B32_KEY_RE.match(canonical):
        raise BadClientKey("an x25519 public key is 52 base32 characters (A-Z, 2-7)")
    try:
        X25519PublicKey.from_public_bytes(_unb32(canonical))
    except ValueError:
        raise BadClientKey("not a valid x25519 public key") from None
    return canonical


def format_auth_line(public_b32: str) -> str:
    """The ``authorized_clients/NAME.auth`` line for a public key.

    Invariant: only the public half is ever written on the service side.
    """
    return f"descriptor:x25519:{validate_client_public_key(public_b32)}"


def parse_auth_line(line: str) -> str:
    """The public key of an ``authorized_clients/NAME.auth`` line, or BadClientKey."""
    parts = line.strip().split(":")
    if len(parts) != 3 or parts[0] != "descriptor" or parts[1] != "x25519":
        raise BadClientKey("an .auth line reads descriptor:x25519:<base32 public key>")
    return validate_client_public_key(parts[2])


def format_auth_private_line(service_id: str, private_b32: str) -> str:
    """The Tor Browser ``.auth_private`` line binding a private key to one onion address.

    Invariant: the address is checked (checksum) so the key cannot be bound to a wrong service.
    """
    bare = validate_service_id(service_id)
    key = private_b32.strip().upper()
    if not _B32_KEY_RE.match(key):
        raise BadClientKey("an x25519 private key is 52 base32 characters (A-Z, 2-7)")
    return f"{bare}:descriptor:x25519:{key}"


def parse_auth_private_line(line: str) -> tuple[str, str]:
    """Split an ``.auth_private`` line into (service id, base32 private key), or BadClientKey."""
    parts = line.strip().split(":")
    if len(parts) != 4 or parts[1] != "descriptor" or parts[2] != "x25519":
        raise BadClientKey("an .auth_private line reads <address>:descriptor:x25519:<base32 key>")
    try:
        service_id = validate_service_id(parts[0])
    except ValueError as exc:
        raise BadClientKey(str(exc)) from None
    key = parts[3].upper()
    if not _B32_KEY_RE.match(key):
        raise BadClientKey("an x25519 private key is 52 base32 characters (A-Z, 2-7)")
    return service_id, key


def public_from_private(private_b32: str) -> str:
    """The base32 public key of a base32 x25519 private key (to check a pair belongs together)."""
    raw = _unb32(private_b32)
    if len(raw) != 32:
        raise BadClientKey("an x25519 private key is 32 bytes")
    public = X25519PrivateKey.from_private_bytes(raw).public_key()
    return _b32(public.public_bytes(Encoding.Raw, PublicFormat.Raw))
