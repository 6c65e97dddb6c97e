"""A real submission, downloaded as a bundle from journalist_ui, opens as signed by the
reporter: real gpg, real SQLite, the workstation's own opener."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from flask.testing import FlaskClient

from kring.core.context import CoreContext
from kring.workstation.authorship import Authorship
from kring.workstation.opening import open_bundle_into
from tests.conftest import ConfidantKeyPair
from tests.journalist_ui.conftest import (
    Account,
    Clock,
    designation_of,
    login,
    post,
    write_report,
)

CODENAME = "alpha bravo charlie delta echo foxtrot golf"


def test_reporter_items_arrive_signed_and_replies_name_their_account(
    client: FlaskClient,
    admin: Account,
    clock: Clock,
    jctx: CoreContext,
    confidant_key: ConfidantKeyPair,
    tmp_path: Path,
) -> None:
    secrets_ = write_report(
        jctx, CODENAME, message="first message", files=[("notes.txt", b"file body")]
    )
    slug = designation_of(jctx, secrets_)
    login(client, admin, clock)
    status, _ = post(client, f"/en/c/{slug}/reply", {"text": "we hear you"}, page=f"/en/c/{slug}")
    assert status == 302
    # A later submission under the same codename (the stored key pair signs it).
    write_report(jctx, CODENAME, message="second message")
    with client.get(f"/en/c/{slug}/bundle.zip?which=all") as response:
        assert response.status_code == 200
        data = response.get_data()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["reporter_key"].startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(data)
    report = open_bundle_into(
        bundle, tmp_path / "out", home=confidant_key.home, passphrase="unused"
    )
    by_kind = {(e.seq, e.kind): e.authorship for e in report.entries}
    assert by_kind == {
        (1, "message"): Authorship.VERIFIED,
        (2, "file"): Authorship.VERIFIED,
        (3, "reply"): Authorship.CONFIDANT_REPLY,
        (4, "message"): Authorship.VERIFIED,
    }, report.warnings
    text = report.transcript_paths[0].read_text()
    assert "WARNING" not in text and "Anna (account anna) (confidant)" in text
