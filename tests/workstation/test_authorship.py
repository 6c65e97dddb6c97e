"""Reporter items prove where they came from: signed on the server with the
reporter's key, checked by ``kring-workstation open`` with real gpg.

The forgeries are what whoever controls the server or its disk can make: an item
encrypted to the confidant's public key (unsigned), one signed by a key of their
own, a manifest naming a key of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kring.crypto.bundle import REPORTER
from kring.crypto.keys import GeneratedKeyPair, generate_reporter_keypair
from kring.crypto.signing import ReporterSigner
from kring.workstation.authorship import NOT_FROM_REPORTER, Authorship
from kring.workstation.opening import REPORTER_KEY_PIN, open_bundle_into
from tests.workstation.conftest import DAY1, DAY2, BundleMaker, Spec, WorkstationKey

REPORTER_PASSPHRASE = "derived from the codename, in the tests a constant"


@pytest.fixture(scope="module")
def reporter_keys() -> GeneratedKeyPair:
    """The conversation's key pair, as a first submission makes it."""
    return generate_reporter_keypair(REPORTER_PASSPHRASE)


@pytest.fixture(scope="module")
def impostor_keys() -> GeneratedKeyPair:
    """A key pair the server's controller made for themselves."""
    return generate_reporter_keypair("the impostor's own passphrase")


@pytest.fixture
def signer(reporter_keys: GeneratedKeyPair) -> Iterator[ReporterSigner]:
    made = ReporterSigner(reporter_keys.secret_key, REPORTER_PASSPHRASE)
    yield made
    made.close()


@pytest.fixture
def impostor(impostor_keys: GeneratedKeyPair) -> Iterator[ReporterSigner]:
    made = ReporterSigner(impostor_keys.secret_key, "the impostor's own passphrase")
    yield made
    made.close()


def _open(bundle: Path, target: Path, anna: WorkstationKey):  # type: ignore[no-untyped-def]
    return open_bundle_into(bundle, target, home=anna.home, passphrase=anna.passphrase)


def _text(report) -> str:  # type: ignore[no-untyped-def]
    return report.transcript_paths[0].read_text()


def test_signed_items_are_verified_and_the_key_is_pinned(
    tmp_path: Path,
    anna: WorkstationKey,
    make_bundle: BundleMaker,
    signer: ReporterSigner,
    reporter_keys: GeneratedKeyPair,
) -> None:
    bundle = make_bundle(
        [
            Spec("message", REPORTER, DAY1, b"what happened", (anna.public_key,), signer=signer),
            Spec("file", REPORTER, DAY1, b"%PDF", (anna.public_key,), "a.pdf", signer=signer),
            Spec("reply", "confidant:Anna", DAY2, b"thank you", (anna.public_key,)),
        ],
        reporter_key=reporter_keys.public_key,
    )
    report = _open(bundle, tmp_path / "out", anna)
    assert report.verdicts == {
        1: Authorship.VERIFIED,
        2: Authorship.VERIFIED,
        3: Authorship.CONFIDANT_REPLY,
    }
    assert report.reporter_key == reporter_keys.fingerprint and report.unproven == []
    text = _text(report)
    assert "WARNING" not in text and "signed by the reporter's key" in text
    assert "a confidant's reply, written in journalist_ui" in text
    assert (report.folder / REPORTER_KEY_PIN).read_text().strip() == reporter_keys.fingerprint


def test_forged_unsigned_and_other_key_items_are_marked(
    tmp_path: Path,
    anna: WorkstationKey,
    make_bundle: BundleMaker,
    signer: ReporterSigner,
    impostor: ReporterSigner,
    reporter_keys: GeneratedKeyPair,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    bundle = make_bundle(
        [
            Spec("message", REPORTER, DAY1, b"the real one", (anna.public_key,), signer=signer),
            # Made up on the server: encrypted to Anna's public key, nothing else.
            Spec("message", REPORTER, DAY1, b"I take it all back", (anna.public_key,)),
            # Made up and signed with a key of the forger's own.
            Spec("file", REPORTER, DAY2, b"fake", (anna.public_key,), "x.txt", signer=impostor),
        ],
        reporter_key=reporter_keys.public_key,
    )
    report = _open(bundle, tmp_path / "out", anna)
    assert report.verdicts == {
        1: Authorship.VERIFIED,
        2: Authorship.UNSIGNED,
        3: Authorship.OTHER_KEY,
    }
    assert [e.seq for e in report.unproven] == [2, 3]
    text = _text(report)
    assert f"2 item(s) marked as from the reporter are {NOT_FROM_REPORTER}" in text
    assert f"UNSIGNED: {NOT_FROM_REPORTER}" in text
    assert f"SIGNED BY ANOTHER KEY: {NOT_FROM_REPORTER}" in text
    page = report.transcript_paths[1].read_text()
    assert 'class="alarm"' in page and 'id="item-2"' in page and "unproven" in page
    # The CLI's summary says the same.
    code, out, _err = run_cli(
        ["--gnupg-home", str(anna.home.path), "open", str(bundle), "--to", str(tmp_path / "cli")],
        passphrase=anna.passphrase,
    )
    assert code == 0
    assert "NOT PROVEN item 2: UNSIGNED" in out and "NOT PROVEN item 3: SIGNED BY ANOTHER" in out
    assert NOT_FROM_REPORTER in out and f"reporter key: {reporter_keys.fingerprint}" in out


def test_a_manifest_naming_a_key_that_signed_nothing(
    tmp_path: Path,
    anna: WorkstationKey,
    make_bundle: BundleMaker,
    signer: ReporterSigner,
    impostor_keys: GeneratedKeyPair,
) -> None:
    """The server swaps in its own key: the reporter's real items no longer match it."""
    bundle = make_bundle(
        [Spec("message", REPORTER, DAY1, b"real", (anna.public_key,), signer=signer)],
        reporter_key=impostor_keys.public_key,
    )
    report = _open(bundle, tmp_path / "out", anna)
    assert report.verdicts == {1: Authorship.OTHER_KEY}
    assert any("none of its reporter items is signed by it" in w for w in report.warnings)
    assert not (report.folder / REPORTER_KEY_PIN).exists()  # nothing to trust


def test_no_reporter_key_or_two_keys_in_the_manifest(
    tmp_path: Path,
    anna: WorkstationKey,
    make_bundle: BundleMaker,
    signer: ReporterSigner,
    reporter_keys: GeneratedKeyPair,
    impostor_keys: GeneratedKeyPair,
) -> None:
    spec = Spec("message", REPORTER, DAY1, b"real", (anna.public_key,), signer=signer)
    for name, key in (
        ("none.zip", ""),
        ("garbage.zip", "-----BEGIN PGP PUBLIC KEY BLOCK-----\nnope\n"),
        ("two.zip", reporter_keys.public_key + impostor_keys.public_key),
    ):
        bundle = make_bundle([spec], name=name, reporter_key=key)
        report = _open(bundle, tmp_path / f"out-{name}", anna)
        assert report.verdicts == {1: Authorship.NO_REPORTER_KEY}, name
        assert any("names no usable reporter key" in w for w in report.warnings)


def test_a_later_bundle_naming_another_key_is_marked(
    tmp_path: Path,
    anna: WorkstationKey,
    make_bundle: BundleMaker,
    signer: ReporterSigner,
    impostor: ReporterSigner,
    reporter_keys: GeneratedKeyPair,
    impostor_keys: GeneratedKeyPair,
) -> None:
    target = tmp_path / "out"
    first = make_bundle(
        [Spec("message", REPORTER, DAY1, b"real", (anna.public_key,), signer=signer)],
        name="first.zip",
        reporter_key=reporter_keys.public_key,
    )
    assert _open(first, target, anna).verdicts == {1: Authorship.VERIFIED}
    # The whole conversation re-keyed by the server, every item signed by its key.
    second = make_bundle(
        [Spec("message", REPORTER, DAY2, b"fake", (anna.public_key,), signer=impostor)],
        name="second.zip",
        reporter_key=impostor_keys.public_key,
    )
    report = _open(second, target, anna)
    assert report.verdicts == {1: Authorship.KEY_CHANGED}
    assert any("earlier bundles of this conversation named" in w for w in report.warnings)
