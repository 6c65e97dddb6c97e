"""A confidant key far over a pipe buffer (a photo ID) works for submissions and replies.

Keys reach gpg as /dev/fd/N of an in-memory file, not a 64 KiB pipe; the key
check at upload encrypts to the key through that same path.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator

import pytest
from PIL import Image
from sqlalchemy import select

from kring.core.accounts.confidants import add_confidant
from kring.core.cases import replies as case_replies
from kring.core.context import CoreContext
from kring.core.models import Item, Reporter
from kring.core.reporting import access, submission
from kring.crypto.errors import InvalidPublicKey
from kring.crypto.gpg import GpgHome, fd_with_content
from kring.crypto.keys import inspect_public_key
from tests.conftest import ConfidantKeyPair, make_confidant_key


@pytest.fixture(scope="module")
def photo_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConfidantKeyPair]:
    """A Curve25519 key pair with a ~100 kB photo ID: about 150 kB armoured."""
    key = make_confidant_key(tmp_path_factory.mktemp("gpg-photo"), "Photo Confidant")
    photo = tmp_path_factory.mktemp("photo") / "me.jpg"
    buffer = io.BytesIO()
    Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3)).save(buffer, "JPEG", quality=95)
    photo.write_bytes(buffer.getvalue())
    added = key.home.run(
        [
            "--pinentry-mode", "loopback", "--passphrase", "", "--command-fd", "0",
            "--edit-key", key.fingerprint,
        ],
        input_bytes=f"addphoto\n{photo}\ny\nsave\n".encode(),
    )
    assert added.returncode == 0, added.stderr.decode()
    public = key.home.run(["--armor", "--export"]).stdout.decode()
    assert len(public) > 100 * 1024
    yield ConfidantKeyPair(home=key.home, public_key=public, fingerprint=key.fingerprint)
    key.home.kill_agent()


def test_memory_fd_holds_more_than_a_pipe() -> None:
    content = os.urandom(300 * 1024)
    fd = fd_with_content(content)
    try:
        with open(f"/dev/fd/{fd}", "rb") as reopened:  # as gpg opens --recipient-file
            assert reopened.read() == content
    finally:
        os.close(fd)


def test_photo_key_passes_the_upload_check(photo_key: ConfidantKeyPair) -> None:
    info = inspect_public_key(photo_key.public_key)
    assert info.fingerprint == photo_key.fingerprint


def test_submission_and_reply_to_a_photo_key_confidant(
    ctx: CoreContext, photo_key: ConfidantKeyPair
) -> None:
    confidant = add_confidant(ctx, display_name="Foto", public_key=photo_key.public_key).id
    secrets_ = access.derive_secrets(ctx, "alpha bravo charlie delta echo fox golf")
    draft = submission.SubmissionDraft(ctx, secrets_)
    try:
        draft.choose(recipient=None, path=None, category=None)
        upload = draft.open_file("a.bin")
        upload.write(b"x" * 200_000)
        upload.finish()
        draft.set_message("hello photo")
        draft.commit()
    finally:
        draft.discard()
    with ctx.sessions() as db:
        reporter = db.scalar(select(Reporter))
        assert reporter is not None
        reporter_id = reporter.id
    case_replies.reply_to_reporter(ctx, reporter_id=reporter_id, confidant_id=confidant, text="Hi")
    with ctx.sessions() as db:
        items = list(db.scalars(select(Item).order_by(Item.id)))
        blobs = [ctx.store.blob_path(secrets_.lookup_id, i.blob_name).read_bytes() for i in items]
    assert photo_key.decrypt(blobs[0])[0] == b"hello photo"
    assert photo_key.decrypt(blobs[1])[0] == b"x" * 200_000
    assert photo_key.decrypt(blobs[2])[0] == b"Hi"


def test_a_key_gpg_cannot_encrypt_to_is_refused_with_a_message(
    gpg_homes: Callable[[str], GpgHome], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = make_confidant_key(gpg_homes("k").path, "Someone")
    from kring.crypto import encrypt
    from kring.crypto.errors import EncryptionFailed

    def refuse(*_a: object, **_k: object) -> bytes:
        raise EncryptionFailed("gpg: no usable key")

    monkeypatch.setattr(encrypt, "encrypt_bytes", refuse)
    with pytest.raises(InvalidPublicKey, match="cannot encrypt to this key"):
        inspect_public_key(key.public_key)
