"""Inbox and conversation pages with real gpg: replies, downloads, bundles, status, deletion."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile

from flask.testing import FlaskClient
from sqlalchemy import func, select

from kring.core.context import CoreContext
from kring.core.models import AuditEntry, Item, Reporter
from kring.core.reporting import conversation as reporting_conversation
from kring.crypto.bundle import open_bundle
from tests.conftest import ConfidantKeyPair
from tests.journalist_ui.conftest import (
    TODAY,
    Account,
    Clock,
    blob_bytes,
    csrf,
    designation_of,
    login,
    post,
    write_report,
)

CODENAME = "alpha bravo charlie delta echo fox golf"
OTHER = "golf fox echo delta charlie bravo alpha"


def test_reply_decrypts_with_reporter_and_replying_confidant_only(
    client: FlaskClient,
    admin: Account,
    bart: Account,
    clock: Clock,
    jctx: CoreContext,
    confidant_key: ConfidantKeyPair,
    other_confidant_key: ConfidantKeyPair,
    third_key: ConfidantKeyPair,
) -> None:
    secrets_ = write_report(jctx, CODENAME, message="first")
    slug = designation_of(jctx, secrets_)
    login(client, admin, clock)
    status, _ = post(
        client, f"/en/c/{slug}/reply", {"text": "We read you. Canary-R3PLY."}, page=f"/en/c/{slug}"
    )
    assert status == 302
    with jctx.sessions() as db:
        reply = db.scalar(select(Item).where(Item.kind == "reply"))
        assert reply is not None
        ciphertext = jctx.store.blob_path(secrets_.lookup_id, reply.blob_name).read_bytes()
    assert b"Canary-R3PLY" not in ciphertext
    assert confidant_key.decrypt(ciphertext)[0] == b"We read you. Canary-R3PLY."
    assert not other_confidant_key.can_decrypt(ciphertext)
    assert not third_key.can_decrypt(ciphertext)
    view = reporting_conversation.load_conversation(jctx, secrets_)
    assert [e.text for e in view.entries if e.kind == "reply"] == ["We read you. Canary-R3PLY."]
    for path in jctx.settings.instance_dir.rglob("*"):
        if path.is_file():
            assert b"Canary-R3PLY" not in path.read_bytes(), path
    # Bart (addressed too) does not see Anna's reply: it is not encrypted to him.
    clock.advance()
    other = client.application.test_client()
    login(other, bart, clock)
    with other.get(f"/en/c/{slug}") as page:
        assert page.status_code == 200
        assert page.get_data(as_text=True).count('name="item"') == 1


def test_addressed_to_a_is_invisible_to_b(
    client: FlaskClient, admin: Account, bart: Account, clock: Clock, jctx: CoreContext
) -> None:
    only_a = write_report(jctx, CODENAME, message="for anna", recipient=admin.id)
    slug = designation_of(jctx, only_a)
    with jctx.sessions() as db:
        item_id = db.scalar(select(Item.id))
    login(client, bart, clock)
    with client.get("/en/") as inbox:
        assert slug.replace("-", " ") not in inbox.get_data(as_text=True)
        assert "0 conversation(s)" in inbox.get_data(as_text=True)
    for url in (
        f"/en/c/{slug}",
        f"/en/c/{slug}/items/{item_id}.gpg",
        f"/en/c/{slug}/bundle.zip",
        "/en/c/no-such/bundle.zip",
    ):
        with client.get(url) as response:
            assert response.status_code == 404, url
            assert "not addressed to you" in response.get_data(as_text=True)
    status, _ = post(client, f"/en/c/{slug}/reply", {"text": "hi"})
    assert status == 404
    status, _ = post(client, f"/en/c/{slug}/status", {"status": "closed"})
    assert status == 404
    with jctx.sessions() as db:
        assert db.scalar(select(Reporter.status)) == "new"
        assert db.scalar(select(func.count()).select_from(Item)) == 1


def test_inbox_shows_path_category_status_clock_unread(
    client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    write_report(
        jctx,
        CODENAME,
        message="m",
        path="wrongdoing",
        category="integrity",
        files=[("a.txt", b"a")],
    )
    login(client, admin, clock)
    with client.get("/en/") as page:
        html = page.get_data(as_text=True)
    assert "Report of wrongdoing" in html and "Integrity breach" in html and "New" in html
    assert "Acknowledge by Jan 22, 2027" in html
    assert "<strong>2</strong>" in html  # unread
    with client.get("/nl/?sort=deadline&status=new&path=wrongdoing") as page:
        assert page.status_code == 200 and "Melding van een misstand" in page.get_data(as_text=True)
    with client.get("/en/?status=bogus") as page:
        assert page.status_code == 400


def test_downloads_single_item_and_bundles(
    client: FlaskClient,
    admin: Account,
    clock: Clock,
    jctx: CoreContext,
    confidant_key: ConfidantKeyPair,
) -> None:
    secrets_ = write_report(
        jctx, CODENAME, message="the message", files=[("geheim verslag.pdf", b"%PDF secret")]
    )
    slug = designation_of(jctx, secrets_)
    with jctx.sessions() as db:
        items = list(db.scalars(select(Item).order_by(Item.seq)))
    login(client, admin, clock)
    with client.get(f"/en/c/{slug}/bundle.zip?which=unread") as bundle:
        assert bundle.status_code == 200
        assert f'filename="{slug}-{TODAY.isoformat()}.zip"' in bundle.headers["Content-Disposition"]
        data = bundle.get_data()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        assert set(names) == {"manifest.json", "items/1.gpg", "items/2.gpg"}
        for entry in manifest["items"]:
            assert hashlib.sha256(archive.read(entry["entry"])).hexdigest() == entry["sha256"]
    assert manifest["version"] == 1 and manifest["designation"] == slug.replace("-", " ")
    assert [(i["seq"], i["kind"]) for i in manifest["items"]] == [(1, "message"), (2, "file")]
    assert b"geheim" not in data and b"secret" not in data  # names only inside the ciphertext
    path = jctx.settings.instance_dir / "b.zip"
    path.write_bytes(data)
    with open_bundle(path) as reader:  # the workstation's reader accepts it
        assert [m.seq for m in reader] == [1, 2]
    # The finished download marked both read: nothing new is left to download.
    with client.get(f"/en/c/{slug}/bundle.zip?which=unread") as empty:
        assert empty.status_code == 302
    with client.get(f"/en/c/{slug}/bundle.zip?which=all") as full:
        assert full.status_code == 200 and len(full.get_data()) == len(data)
    with client.get(f"/en/c/{slug}/items/{items[1].id}.gpg") as one:
        assert one.status_code == 200 and one.mimetype == "application/pgp-encrypted"
        body = one.get_data()
        assert one.content_length == len(body)  # the browser can show progress
    assert confidant_key.decrypt(body)[0] == b"%PDF secret"


def test_a_downloaded_item_is_read_and_the_rest_stays_unread(
    client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    secrets_ = write_report(jctx, CODENAME, message="m", files=[("a.pdf", b"%PDF a")])
    slug = designation_of(jctx, secrets_)
    with jctx.sessions() as db:
        items = list(db.scalars(select(Item).order_by(Item.seq)))
    login(client, admin, clock)
    with client.get(f"/en/c/{slug}/items/{items[1].id}.gpg") as one:
        assert one.status_code == 200
        one.get_data()
    with client.get(f"/en/c/{slug}/bundle.zip?which=unread") as rest:
        data = rest.get_data()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert set(archive.namelist()) == {"manifest.json", "items/1.gpg"}
    with jctx.sessions() as db:
        actions = [e.action for e in db.scalars(select(AuditEntry))]
    assert "downloaded_item" in actions and "downloaded_bundle" in actions


def test_status_acknowledgement_records_the_day(
    client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    secrets_ = write_report(jctx, CODENAME, message="m", path="wrongdoing")
    slug = designation_of(jctx, secrets_)
    login(client, admin, clock)
    status, _ = post(
        client, f"/en/c/{slug}/status", {"status": "acknowledged"}, page=f"/en/c/{slug}"
    )
    assert status == 302
    with jctx.sessions() as db:
        row = db.scalar(select(Reporter))
        assert row is not None
        assert (row.status, row.acknowledged_on, row.feedback_due_on) == (
            "acknowledged",
            TODAY,
            dt.date(2027, 4, 15),
        )
    with client.get(f"/en/c/{slug}") as page:
        assert "Feedback by Apr 15, 2027" in page.get_data(as_text=True)
    status, _ = post(client, f"/en/c/{slug}/status", {"status": "new"}, page=f"/en/c/{slug}")
    assert status == 400
    status, _ = post(client, f"/en/c/{slug}/status", {"status": "closed"}, page=f"/en/c/{slug}")
    assert status == 302
    with jctx.sessions() as db:
        row = db.scalar(select(Reporter))
        assert row is not None and row.closed_on == TODAY and row.acknowledged_on == TODAY


def test_feedback_given_is_recorded_and_stops_the_clock(
    client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    secrets_ = write_report(jctx, CODENAME, message="m", path="wrongdoing")
    slug = designation_of(jctx, secrets_)
    login(client, admin, clock)
    with client.get(f"/en/c/{slug}") as page:
        html = page.get_data(as_text=True)
        assert "Acknowledge by" in html and "Feedback given today" in html
    status, _ = post(client, f"/en/c/{slug}/feedback", {}, page=f"/en/c/{slug}")
    assert status == 302
    with client.get(f"/en/c/{slug}") as page:
        html = page.get_data(as_text=True)
    assert "Feedback recorded as given on" in html
    assert "feedback given on" in html and "Legal clock" not in html
    assert "Feedback given today" not in html  # no dead button once recorded
    with jctx.sessions() as db:
        row = db.scalar(select(Reporter))
        assert row is not None and (row.feedback_given_on, row.acknowledged_on) == (TODAY, TODAY)
        actions = [a.action for a in db.scalars(select(AuditEntry))]
        assert "feedback_recorded" in actions
    # Without the CSRF token nothing changes: a clear 400.
    with client.post(f"/en/c/{slug}/feedback") as refused:
        assert refused.status_code == 400
    status, html = post(client, "/en/c/no-such/feedback", {}, page=f"/en/c/{slug}")
    assert status == 404 and "Traceback" not in html


def test_star_and_filter(
    client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    slug = designation_of(jctx, write_report(jctx, CODENAME, message="m"))
    write_report(jctx, OTHER, message="n")
    login(client, admin, clock)
    status, _ = post(client, f"/en/c/{slug}/star", {"starred": "1", "next": "inbox"})
    assert status == 302
    with client.get("/en/?starred=1") as page:
        html = page.get_data(as_text=True)
    assert "1 conversation(s)" in html and slug.replace("-", " ") in html


def test_oversized_and_empty_reply_change_nothing(
    client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    slug = designation_of(jctx, write_report(jctx, CODENAME, message="m"))
    login(client, admin, clock)
    too_long = "x" * (jctx.settings.max_reply_chars + 1)
    status, html = post(client, f"/en/c/{slug}/reply", {"text": too_long}, page=f"/en/c/{slug}")
    assert status == 413 and "too long" in html
    status, html = post(client, f"/en/c/{slug}/reply", {"text": "   "}, page=f"/en/c/{slug}")
    assert status == 400 and "empty" in html
    with jctx.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Item)) == 1


def test_reply_without_own_key_is_refused(
    client: FlaskClient, admin: Account, jctx: CoreContext, clock: Clock
) -> None:
    from tests.journalist_ui.conftest import make_account

    nokey = make_account(jctx, clock, "nokey")
    slug = designation_of(jctx, write_report(jctx, CODENAME, message="m"))
    login(client, nokey, clock)
    status, html = post(client, f"/en/c/{slug}/reply", {"text": "hello"})
    assert status == 409 and "public key" in html


def test_delete_items_and_conversation_need_a_fresh_code(
    client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    secrets_ = write_report(jctx, CODENAME, message="m", files=[("f.txt", b"f")])
    slug = designation_of(jctx, secrets_)
    with jctx.sessions() as db:
        first, second = list(db.scalars(select(Item.id).order_by(Item.seq)))
    login(client, admin, clock)
    status, html = post(
        client, f"/en/c/{slug}/delete-items", {"item": [str(first)], "totp": "000000"}
    )
    assert status == 403 and "wrong or was already used" in html
    assert len(blob_bytes(jctx, secrets_)) == 2
    status, _ = post(
        client, f"/en/c/{slug}/delete-items", {"item": [str(first)], "totp": admin.code(clock)}
    )
    assert status == 302
    assert len(blob_bytes(jctx, secrets_)) == 1
    # The same code again is a replay.
    status, _ = post(client, f"/en/c/{slug}/delete", {"totp": admin.code(clock)})
    assert status == 403
    clock.advance()
    status, _ = post(client, f"/en/c/{slug}/delete", {"totp": admin.code(clock)})
    assert status == 302
    assert not jctx.store.folder(secrets_.lookup_id).exists()
    with client.get(f"/en/c/{slug}/bundle.zip") as gone:
        assert gone.status_code == 404
        assert "was deleted" in gone.get_data(as_text=True)
    with jctx.sessions() as db:
        audit = [(e.action, e.designation) for e in db.scalars(select(AuditEntry))]
    # The conversation's lines went with it; the deletion is logged without its name.
    assert ("conversation_deleted", None) in audit
    assert all(designation is None for _, designation in audit)
    assert second  # the file item went with the conversation


def test_bundle_of_unknown_kind_is_400(
    client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    slug = designation_of(jctx, write_report(jctx, CODENAME, message="m"))
    login(client, admin, clock)
    with client.get(f"/en/c/{slug}/bundle.zip?which=everything") as r:
        assert r.status_code == 400
    with client.get(f"/en/c/{slug}") as page:
        assert csrf(client, f"/en/c/{slug}") and page.status_code == 200


def test_cancelled_bundle_download_stops_the_writer(
    client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    import threading

    slug = designation_of(
        jctx, write_report(jctx, CODENAME, message="m", files=[("big.bin", b"\0" * 3_000_000)])
    )
    login(client, admin, clock)
    before = threading.active_count()
    response = client.get(f"/en/c/{slug}/bundle.zip", buffered=False)
    first = next(iter(response.response))
    assert first.startswith(b"PK")
    response.close()
    assert threading.active_count() == before
    # Cut short: nothing was marked read, so "Download unread" still offers both items.
    with client.get(f"/en/c/{slug}") as page:
        assert "Download unread (2)" in page.get_data(as_text=True)


def test_inbox_page_queries_do_not_grow(
    client: FlaskClient, admin: Account, clock: Clock, jctx: CoreContext
) -> None:
    from sqlalchemy import event

    def count_queries() -> int:
        seen: list[int] = []

        def hook(*_args: object) -> None:
            seen.append(1)

        event.listen(jctx.engine, "before_cursor_execute", hook)
        try:
            with client.get("/en/") as page:
                assert page.status_code == 200
        finally:
            event.remove(jctx.engine, "before_cursor_execute", hook)
        return len(seen)

    write_report(jctx, CODENAME, message="m")
    login(client, admin, clock)
    one = count_queries()
    words = ["alpha", "bravo", "charlie", "delta", "echo", "golf", "hotel"]
    for n in range(1, 5):
        write_report(jctx, " ".join(words[n:] + words[:n]), message="m")
    with client.get("/en/") as page:
        assert "5 conversation(s)" in page.get_data(as_text=True)
    assert count_queries() == one
