"""Where tor's onion services and client keys live: the one place that knows.

Two layouts exist, and the settings say which one an instance uses:

- ``instance`` (demo, tests, ``kring-demo``): Kring runs or attaches to tor and keeps the
  services under ``<instance>/onion/source`` and ``<instance>/onion/journalist``;
- ``system`` (the Ansible deployment): Debian's tor owns the services, in its own
  directories (``/var/lib/tor/kring-source``, ``/var/lib/tor/kring-journalist`` by default),
  and rereads ``authorized_clients/`` when it is reloaded. Those folders are tor's alone
  (0700, and tor refuses looser ones), so the app's user cannot read them: whatever runs as
  root and changes them (``kring onion client add/revoke``, ``kring onion status``, which the
  Ansible role runs) also writes a *published copy* of the public parts (the two addresses
  and the client names, nothing secret) into ``<instance>/onion-published/``, and the app
  reads that copy when tor's folder is closed to it.

The onion admin page, the poster and ``kring onion client add/list/revoke`` all go through
``OnionLayout``, so what they show and change is what tor actually serves.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Literal

from kring.atomic import write_atomic
from kring.onion.client_auth import AUTHORIZED_CLIENTS_DIR, ClientRegistry
from kring.onion.errors import OnionError

LayoutKind = Literal["instance", "system"]
LAYOUT_KINDS: tuple[LayoutKind, ...] = ("instance", "system")
SYSTEM_SOURCE_DIR = Path("/var/lib/tor/kring-source")
SYSTEM_JOURNALIST_DIR = Path("/var/lib/tor/kring-journalist")
_HOSTNAME_RE = re.compile(r"[a-z2-7]{56}\.onion")
# The instance layout's folder names (OnionPaths in stack.py uses the same).
INSTANCE_ONION_DIR = "onion"
SOURCE_SERVICE = "source"
JOURNALIST_SERVICE = "journalist"
PUBLISHED_CLIENTS = "clients.txt"


class OnionLayoutUnreadable(OnionError):
    """The onion layout in use is missing or cannot be read; the message says what to do."""


@dataclasses.dataclass(frozen=True)
class OnionLayout:
    """The two service directories of one instance, and who runs tor for them."""

    kind: LayoutKind
    source_dir: Path
    journalist_dir: Path
    # Where ``client add`` leaves the private half for handover; None: inside the
    # service folder (the instance layout). Never inside tor's own folder.
    handover_dir: Path | None = None
    # The published copy of the public parts (system layout), see the module docstring.
    published_dir: Path | None = None

    def service_dir(self, service: str) -> Path:
        """``source`` or ``journalist``'s service directory."""
        if service == "source":
            return self.source_dir
        if service == "journalist":
            return self.journalist_dir
        raise ValueError(f"unknown onion service {service!r}")

    def address(self, service: str) -> str | None:
        """The published address of ``service``, or None when it has none yet.

        Raises OnionLayoutUnreadable when the folder or its ``hostname`` cannot be read (and
        no published copy stands in), or holds something that is not an onion address: the
        admin must learn that the layout is wrong, not see an empty page.
        """
        folder = self.service_dir(service)
        try:
            return self._hostname(folder / "hostname", missing_folder=folder)
        except PermissionError as exc:
            if self.published_dir is None:
                raise OnionLayoutUnreadable(self._hint(folder, exc)) from exc
            return self._hostname(
                self.published_dir / f"{service}.hostname", missing_folder=None, copy=True
            )

    def _hostname(
        self, path: Path, *, missing_folder: Path | None, copy: bool = False
    ) -> str | None:
        try:
            if missing_folder is not None and not missing_folder.exists():
                if self.kind == "system":
                    raise OnionLayoutUnreadable(self._missing(missing_folder))
                return None
            text = path.read_text(encoding="ascii").strip()
        except FileNotFoundError as exc:
            if copy:
                raise OnionLayoutUnreadable(self._no_copy(path)) from exc
            return None
        except PermissionError:
            if copy:
                raise OnionLayoutUnreadable(self._no_copy(path)) from None
            raise
        except (OSError, UnicodeDecodeError) as exc:
            raise OnionLayoutUnreadable(self._hint(path, exc)) from exc
        if not text:
            return None
        if not _HOSTNAME_RE.fullmatch(text):
            raise OnionLayoutUnreadable(f"{path} does not hold an onion address")
        return text

    def registry(self, *, handover_dir: Path | None = None) -> ClientRegistry:
        """The confidants' client keys of journalist_ui (``authorized_clients/``)."""
        return ClientRegistry(self.journalist_dir, handover_dir=handover_dir or self.handover_dir)

    def client_names(self) -> list[str]:
        """Names of the authorised confidants' keys (OnionLayoutUnreadable if unreadable)."""
        folder = self.journalist_dir / AUTHORIZED_CLIENTS_DIR
        try:
            if not folder.exists():
                return []
            names = [p.name for p in folder.iterdir()]
        except PermissionError as exc:
            if self.published_dir is None:
                raise OnionLayoutUnreadable(self._hint(folder, exc)) from exc
            listing = self.published_dir / PUBLISHED_CLIENTS
            try:
                return sorted(line for line in listing.read_text("utf-8").splitlines() if line)
            except (OSError, UnicodeDecodeError) as copy_exc:
                raise OnionLayoutUnreadable(self._no_copy(listing)) from copy_exc
        except OSError as exc:
            raise OnionLayoutUnreadable(self._hint(folder, exc)) from exc
        return sorted(n.removesuffix(".auth") for n in names if n.endswith(".auth"))

    def write_published_copy(self) -> Path | None:
        """Copy the public parts (addresses, client names) where the app can read them.

        Run by whoever may read tor's folders (root): the CLI after every client change and
        ``kring onion status``. Nothing secret is copied. Returns the folder, or None for a
        layout without a published copy.
        """
        if self.published_dir is None:
            return None
        self.published_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
        for service in (SOURCE_SERVICE, JOURNALIST_SERVICE):
            address = self.address(service) or ""
            _write_public(self.published_dir / f"{service}.hostname", address + "\n")
        names = self.client_names()
        _write_public(self.published_dir / PUBLISHED_CLIENTS, "".join(f"{n}\n" for n in names))
        return self.published_dir

    def after_change(self) -> str:
        """What makes tor use a changed client list, for this layout."""
        if self.kind == "system":
            return "Reload tor (`systemctl reload tor`) for it to take effect."
        return "Restart the drop (or reload tor) for it to take effect."

    def _missing(self, folder: Path) -> str:
        return (
            f"{folder} does not exist: the settings say tor's own directories are used "
            '(onion_layout = "system"); deploy tor with the kring_tor role, or set the '
            "onion_source_dir / onion_journalist_dir settings to where they are"
        )

    def _no_copy(self, path: Path) -> str:
        return (
            f"tor's folders are closed to this user and {path} (their published copy) "
            "cannot be read: run `kring onion status` as root (the kring role does at every run)"
        )

    def _hint(self, path: Path, exc: BaseException) -> str:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        if self.kind == "system":
            return (
                f"{path} cannot be read ({reason}): check the onion_source_dir and "
                "onion_journalist_dir settings against tor's folders"
            )
        return f"{path} cannot be read ({reason})"


def instance_layout(instance_dir: Path) -> OnionLayout:
    """The demo/test layout: ``<instance>/onion/{source,journalist}``."""
    root = Path(instance_dir) / INSTANCE_ONION_DIR
    return OnionLayout("instance", root / SOURCE_SERVICE, root / JOURNALIST_SERVICE)


def layout_for(
    kind: str,
    *,
    instance_dir: Path,
    source_dir: Path | None = None,
    journalist_dir: Path | None = None,
) -> OnionLayout:
    """The layout the settings name (OnionLayoutUnreadable for an unknown kind)."""
    if kind == "instance":
        return instance_layout(instance_dir)
    if kind == "system":
        return OnionLayout(
            "system",
            source_dir or SYSTEM_SOURCE_DIR,
            journalist_dir or SYSTEM_JOURNALIST_DIR,
            handover_dir=Path(instance_dir) / "onion-handover",
            published_dir=Path(instance_dir) / "onion-published",
        )
    raise OnionLayoutUnreadable(f"unknown onion_layout {kind!r}: use one of {LAYOUT_KINDS}")


def client_registry(state_dir: Path, *, handover_dir: Path | None = None) -> ClientRegistry:
    """The confidant keys of journalist_ui in the demo/test layout (see instance_layout).

    Invariant: see ClientRegistry: only public keys stay in the state directory.
    """
    return instance_layout(state_dir).registry(handover_dir=handover_dir)


def _write_public(path: Path, text: str) -> None:
    """Replace ``path`` atomically with ``text``, readable by the app's user (0644)."""
    write_atomic(path, text.encode("utf-8"), mode=0o644)
