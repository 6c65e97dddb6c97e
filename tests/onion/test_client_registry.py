"""The confidant key registry on disk: names, file formats, modes, handover (no tor needed)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from kring.onion import client_registry
from kring.onion.client_auth import ClientRegistry, qr_image, qr_terminal_text
from kring.onion.errors import BadClientKey, BadClientName, ClientExists, UnknownClient
from kring.onion.keys import load_service_key, parse_auth_private_line, public_from_private


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_add_stores_public_key_and_hands_over_private_once(tmp_path: Path) -> None:
    registry = client_registry(tmp_path)
    handover = registry.add("alice")

    service = load_service_key(registry.service_dir)
    assert service is not None  # the journalist key was created to name the address
    service_id, private_b32 = parse_auth_private_line(handover.auth_private_line)
    assert service_id == service.service_id
    assert public_from_private(private_b32) == handover.public_b32

    auth_file = registry.clients_dir / "alice.auth"
    assert auth_file.read_text() == f"descriptor:x25519:{handover.public_b32}\n"
    # Nothing on the service side holds the private key ...
    for path in registry.service_dir.rglob("*"):
        if path.is_file() and registry.handover_dir not in path.parents:
            assert private_b32 not in path.read_text(errors="replace")
    # ... only the handover files, readable by the owner alone.
    assert handover.auth_private_path.read_text() == handover.auth_private_line + "\n"
    assert mode(handover.auth_private_path) == 0o600
    assert mode(handover.qr_image_path) == 0o600
    assert mode(registry.handover_dir) == 0o700
    assert handover.qr_image_path.suffix in {".png", ".svg"}
    assert private_b32 not in repr(handover)

    assert [c.name for c in registry.list()] == ["alice"]
    assert registry.public_keys() == [handover.public_b32]


def test_second_add_keeps_the_service_address(tmp_path: Path) -> None:
    registry = client_registry(tmp_path)
    first = registry.add("alice").auth_private_line.split(":")[0]
    second = registry.add("bob").auth_private_line.split(":")[0]
    assert first == second
    assert [c.name for c in registry.list()] == ["alice", "bob"]


def test_revoke_removes_public_key_and_leftover_handover(tmp_path: Path) -> None:
    registry = client_registry(tmp_path)
    handover = registry.add("alice")
    registry.add("bob")
    registry.revoke("alice")
    assert [c.name for c in registry.list()] == ["bob"]
    assert not handover.auth_private_path.exists()
    assert not handover.qr_image_path.exists()
    with pytest.raises(UnknownClient):
        registry.revoke("alice")


def test_forget_handover_leaves_no_private_key_on_disk(tmp_path: Path) -> None:
    registry = client_registry(tmp_path)
    handover = registry.add("alice")
    registry.forget_handover("alice")
    _, private_b32 = parse_auth_private_line(handover.auth_private_line)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert private_b32 not in path.read_text(errors="replace")
    assert [c.name for c in registry.list()] == ["alice"]


def test_existing_name_is_not_overwritten(tmp_path: Path) -> None:
    registry = client_registry(tmp_path)
    registry.add("alice")
    with pytest.raises(ClientExists):
        registry.add("alice")


@pytest.mark.parametrize("name", ["", "../evil", "a/b", ".hidden", "a..b", "x" * 64, "é", "a b"])
def test_unsafe_names_raise_bad_client_name(tmp_path: Path, name: str) -> None:
    registry = client_registry(tmp_path)
    with pytest.raises(BadClientName):
        registry.add(name)
    with pytest.raises(BadClientName):
        registry.revoke(name)
    assert not (tmp_path / "onion" / "journalist" / "authorized_clients").exists()


def test_malformed_auth_file_is_reported_not_skipped(tmp_path: Path) -> None:
    registry = ClientRegistry(tmp_path / "svc")
    registry.add("alice")
    (registry.clients_dir / "mallory.auth").write_text("descriptor:x25519:short\n")
    with pytest.raises(BadClientKey, match="mallory.auth"):
        registry.list()


def test_qr_outputs_carry_the_line() -> None:
    text = qr_terminal_text("hello")
    assert len(text.splitlines()) > 10
    suffix, image = qr_image("hello")
    if suffix == ".svg":
        assert image.lstrip().startswith(b"<?xml") or b"<svg" in image[:200]
    else:
        assert image.startswith(b"\x89PNG")


def test_handover_can_go_to_another_folder(tmp_path: Path) -> None:
    registry = client_registry(tmp_path / "state", handover_dir=tmp_path / "usb")
    handover = registry.add("alice")
    assert handover.auth_private_path.parent == tmp_path / "usb"
    assert not (tmp_path / "state" / "onion" / "journalist" / "handover").exists()
