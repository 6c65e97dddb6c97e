"""A reporter can choose to reread their own messages, and change their mind."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import select

from kring.core.context import CoreContext
from kring.core.models import Item, Reporter
from kring_devkit.multipart import MultipartBody
from tests.conftest import ConfidantKeyPair
from tests.source_ui.conftest import csrf_from, get_codename, submit

LONG = "Het begon op een maandag in maart. " * 8 + "Canary-C0PY-TEXT"


def _first(client: FlaskClient, message: str, keep_copy: str | None) -> int:
    page = client.get("/en/submit").get_data(as_text=True)
    fields = [("csrf_token", csrf_from(page)), ("recipient", "all"), ("path", "just_talk"),
              ("category", "")]  # fmt: skip
    if keep_copy is not None:
        fields.append(("keep_copy", keep_copy))
    fields.append(("message", message))
    body = MultipartBody(fields, [("files", "", 0, lambda: iter([]))])
    response = client.post("/en/submit", data=body.read(), content_type=body.content_type)
    return response.status_code


def test_first_form_asks_with_the_trade_off(client: FlaskClient, confidant_a: int) -> None:
    get_codename(client)
    page = client.get("/en/submit").get_data(as_text=True)
    assert "Keep a copy you can reread?" in page
    assert "whoever learns your codename can read it too" in page
    assert 'name="keep_copy" value="no" checked' in page


def test_a_kept_copy_is_shown_decrypted_and_stored_only_as_ciphertext(
    client: FlaskClient, ctx: CoreContext, confidant_a: int, confidant_key: ConfidantKeyPair
) -> None:
    get_codename(client)
    assert _first(client, LONG, "yes") == 302
    page = client.get("/en/conversation").get_data(as_text=True)
    assert "Canary-C0PY-TEXT" in page  # the whole text, inside the details
    assert '<details class="own-message"><summary>Het begon op een maandag' in page
    with ctx.sessions() as db:
        item = db.scalar(select(Item).where(Item.kind == "message"))
        assert item is not None and item.reporter_label is not None
        copy, blob = item.reporter_label, item.blob_name
        lookup = db.scalar(select(Reporter.lookup_id))
    assert b"Canary-C0PY-TEXT" not in copy
    assert not confidant_key.can_decrypt(copy)  # the copy is the reporter's alone
    confidants = ctx.store.blob_path(str(lookup), blob).read_bytes()
    assert confidant_key.decrypt(confidants)[0].decode() == LONG.strip()
    for path in Path(ctx.settings.instance_dir).rglob("*"):
        if path.is_file():
            assert b"Canary-C0PY-TEXT" not in path.read_bytes(), path


def test_without_a_copy_only_number_and_day_show(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    get_codename(client)
    assert _first(client, "no copy of this please", None) == 302
    page = client.get("/en/conversation").get_data(as_text=True)
    assert "no copy of this please" not in page and "#1" in page
    with ctx.sessions() as db:
        assert db.scalar(select(Item.reporter_label)) is None
        assert db.scalar(select(Reporter.keep_copy)) is False


def test_the_choice_can_be_changed_and_stopping_removes_the_copies(
    client: FlaskClient, ctx: CoreContext, confidant_a: int
) -> None:
    get_codename(client)
    assert _first(client, "first, kept", "yes") == 302
    assert submit(client, message="second, kept", files=[("a.txt", b"a")])[0] == 302
    page = client.get("/en/conversation").get_data(as_text=True)
    assert "first, kept" in page and "second, kept" in page
    stop = client.post("/en/copy", data={"csrf_token": csrf_from(page), "keep": "no"})
    assert stop.status_code == 302
    page = client.get("/en/conversation").get_data(as_text=True)
    assert "first, kept" not in page and "second, kept" not in page
    assert "a.txt" in page  # file names stay: they are how the reporter knows what they sent
    with ctx.sessions() as db:
        labels = {i.kind: i.reporter_label for i in db.scalars(select(Item))}
    assert labels["message"] is None and labels["file"] is not None
    start = client.post("/en/copy", data={"csrf_token": csrf_from(page), "keep": "yes"})
    assert start.status_code == 302
    assert submit(client, message="third, kept again")[0] == 302
    page = client.get("/en/conversation").get_data(as_text=True)
    assert "third, kept again" in page and "first, kept" not in page
    assert client.post("/en/copy", data={"csrf_token": csrf_from(page), "keep": "x"}).status_code == 400
