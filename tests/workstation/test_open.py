"""The whole chain with real gpg: keygen -> server key check -> bundle -> open."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import pytest

from kring.crypto.keys import inspect_public_key
from kring.workstation.keygen import generate_confidant_key
from kring.workstation.prompts import PassphraseError, ask_new_passphrase
from tests.workstation.conftest import (
    DAY1,
    DAY2,
    PASSPHRASE,
    BundleMaker,
    Spec,
    WorkstationKey,
    cheap_home,
    copy_home,
)

REPORTER = "reporter"


def test_keygen_to_open_gives_the_sent_bytes_and_a_transcript(
    tmp_path: Path, make_bundle: BundleMaker, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "gnupg"
    cheap_home(home)
    typed = iter([PASSPHRASE, PASSPHRASE, PASSPHRASE])
    # The keyboard: getpass is what a person types into; everything else is real.
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(typed))
    public = tmp_path / "anna.asc"
    code, out, _ = run_cli(
        ["--gnupg-home", str(home), "keygen", "--name", "Anna", "--public-key-out", str(public)]
    )
    assert code == 0
    info = inspect_public_key(public.read_text())  # the server's own check
    assert info.algorithm == "cv25519"
    grouped = " ".join(info.fingerprint[i : i + 4] for i in range(0, 40, 4))
    assert grouped in out
    assert "█" in out or "▀" in out  # the QR code
    assert not (home / "private-keys-v1.d").stat().st_mode & 0o077

    key = public.read_text()
    big = os.urandom(3 * 1024 * 1024 + 17)
    odd_name = "Rapport 100% <Q3> é\u202egnp.exe"
    bundle = make_bundle(
        [
            Spec(
                "message",
                REPORTER,
                DAY1,
                "Hallo,\nik wil iets melden — één. <script>x</script>".encode(),
                (key,),
            ),
            Spec("file", REPORTER, DAY1, big, (key,), filename="photo 1.jpg"),
            Spec("reply", "confidant:Anna", DAY2, "Dank je, ik lees mee – Anna".encode(), (key,)),
            Spec("file", REPORTER, DAY2, b"second", (key,), filename=odd_name),
            Spec("file", REPORTER, DAY2, b"same name", (key,), filename="photo 1.jpg"),
        ]
    )
    code, out, err = run_cli(
        ["--gnupg-home", str(home), "open", str(bundle), "--to", str(tmp_path / "out")]
    )
    assert code == 0, err
    folder = tmp_path / "out" / "amber-falcon"
    assert (folder / "files" / "photo 1.jpg").read_bytes() == big
    assert (folder / "files" / "photo 1 (2).jpg").read_bytes() == b"same name"
    odd = [p for p in (folder / "files").iterdir() if p.name.startswith("Rapport")]
    assert len(odd) == 1 and odd[0].read_bytes() == b"second"
    assert "\u202e" not in odd[0].name and "<" not in odd[0].name
    text = (folder / "transcript.txt").read_text()
    order = [
        text.index(s)
        for s in (
            "=== 2026-03-02",
            "[1] Reporter - message",
            "ik wil iets melden",
            "[2] Reporter - file",
            "=== 2026-03-05",
            "[3] Anna (confidant) - reply",
            "Dank je",
            "[4] Reporter - file",
        )
    ]
    assert order == sorted(order)
    page = (folder / "transcript.html").read_text()
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "Content-Security-Policy" in page and 'href="files/photo%201.jpg"' in page
    assert "2 message(s) and replies, 3 file(s)" in out
    assert not list(folder.rglob(".kring-partial-*"))


def test_open_asks_the_passphrase_with_getpass(
    tmp_path: Path,
    anna: WorkstationKey,
    make_bundle: BundleMaker,
    run_cli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prompts: list[str] = []
    monkeypatch.setattr(
        getpass, "getpass", lambda prompt="": prompts.append(prompt) or anna.passphrase
    )
    bundle = make_bundle([Spec("message", REPORTER, DAY1, b"hi", (anna.public_key,))])
    code, _, _ = run_cli(
        ["--gnupg-home", str(anna.home.path), "open", str(bundle), "--to", str(tmp_path / "o")]
    )
    assert code == 0 and len(prompts) == 1
    assert "hi" in (tmp_path / "o" / "amber-falcon" / "transcript.txt").read_text()


def test_rsa_keygen_is_accepted_by_the_server_check(tmp_path: Path, run_cli) -> None:
    home = tmp_path / "gnupg"
    cheap_home(home)
    code, _, err = run_cli(
        ["--gnupg-home", str(home), "keygen", "--rsa", "--public-key-out", str(tmp_path / "k.asc")],
        passphrase=PASSPHRASE,
    )
    assert code == 0, err
    assert inspect_public_key((tmp_path / "k.asc").read_text()).algorithm == "rsa4096"


def test_keygen_refuses_a_home_that_has_a_key(
    anna: WorkstationKey, run_cli, tmp_path: Path
) -> None:
    code, _, err = run_cli(
        [
            "--gnupg-home",
            str(anna.home.path),
            "keygen",
            "--public-key-out",
            str(tmp_path / "k.asc"),
        ],
        passphrase=PASSPHRASE,
    )
    assert code == 2 and "already holds a key" in err
    assert not (tmp_path / "k.asc").exists()


def test_keygen_refuses_a_short_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["short"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    with pytest.raises(PassphraseError, match="too short"):
        ask_new_passphrase()


def test_second_bundle_of_the_same_conversation_never_overwrites(
    tmp_path: Path, anna: WorkstationKey, make_bundle: BundleMaker, run_cli
) -> None:
    first = make_bundle(
        [Spec("file", REPORTER, DAY1, b"one", (anna.public_key,), filename="a.txt")], name="b1.zip"
    )
    second = make_bundle(
        [Spec("file", REPORTER, DAY2, b"two", (anna.public_key,), filename="a.txt")], name="b2.zip"
    )
    for bundle in (first, second):
        code, _, err = run_cli(
            ["--gnupg-home", str(anna.home.path), "open", str(bundle), "--to", str(tmp_path / "o")],
            passphrase=anna.passphrase,
        )
        assert code == 0, err
    folder = tmp_path / "o" / "amber-falcon"
    assert (folder / "files" / "a.txt").read_bytes() == b"one"
    assert (folder / "files" / "a (2).txt").read_bytes() == b"two"
    assert (folder / "transcript (2).txt").exists()


def test_open_accepts_an_empty_passphrase_for_a_key_without_one(
    tmp_path: Path, make_bundle: BundleMaker, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = cheap_home(tmp_path / "gnupg")
    made = generate_confidant_key(
        home, name="Nopass", passphrase="", public_key_path=tmp_path / "nopass.asc"
    )
    home.kill_agent()
    key = made.public_key_path.read_text()
    bundle = make_bundle([Spec("message", REPORTER, DAY1, b"no passphrase here", (key,))])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": "")  # the confidant presses Enter
    code, _, err = run_cli(
        ["--gnupg-home", str(home.path), "open", str(bundle), "--to", str(tmp_path / "o")]
    )
    assert code == 0, err
    assert "no passphrase here" in (tmp_path / "o" / "amber-falcon" / "transcript.txt").read_text()
    # Through a descriptor too: an empty line is an empty passphrase.
    code, _, err = run_cli(
        ["--gnupg-home", str(home.path), "open", str(bundle), "--to", str(tmp_path / "p")],
        passphrase="",
    )
    assert code == 0, err


def test_an_empty_passphrase_for_a_protected_key_is_a_wrong_passphrase(
    tmp_path: Path, anna: WorkstationKey, make_bundle: BundleMaker, run_cli
) -> None:
    bundle = make_bundle([Spec("message", REPORTER, DAY1, b"hi", (anna.public_key,))])
    home = copy_home(anna, tmp_path / "gnupg")
    code, out, err = run_cli(
        ["--gnupg-home", str(home.path), "open", str(bundle), "--to", str(tmp_path / "o")],
        passphrase="",
    )
    assert code != 0 and "wrong passphrase" in out + err, out + err
    assert not (tmp_path / "o" / "amber-falcon").exists()
