"""``kring-workstation``: the confidant's offline tool (argparse; no web stack needed)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from kring.crypto.bundle import BundleLimits, ManifestItem, open_bundle
from kring.crypto.errors import BundleError, CryptoError, KeyGenerationFailed
from kring.crypto.gpg import GpgHome
from kring.readable import human_size
from kring.workstation.authorship import describe
from kring.workstation.checks import check_gpg_home, check_network, check_swap
from kring.workstation.export import Mat2NotInstalled, export_cleaned
from kring.workstation.home import default_home_path, secret_key_fingerprints, secret_key_ids
from kring.workstation.keygen import fingerprint_qr, format_fingerprint, generate_confidant_key
from kring.workstation.opening import OpenAborted, open_bundle_into
from kring.workstation.progress import SHOW_FROM_BYTES, ProgressBar
from kring.workstation.prompts import (
    PassphraseError,
    ask_new_passphrase,
    ask_passphrase,
    read_passphrase_fd,
)
from kring.workstation.transcript import summary_alarm

EXIT_OK = 0
EXIT_SOME_REFUSED = 1
EXIT_FAILED = 2


def _fail(message: str) -> int:
    print(f"kring-workstation: {message}", file=sys.stderr)
    return EXIT_FAILED


def _passphrase(args: argparse.Namespace, *, new: bool) -> str:
    if args.passphrase_fd is not None:
        return read_passphrase_fd(args.passphrase_fd)
    return ask_new_passphrase() if new else ask_passphrase()


def cmd_keygen(args: argparse.Namespace) -> int:
    """Create the key pair, export the public key, show the fingerprint and its QR code."""
    home = GpgHome(args.gnupg_home)
    if home.path.exists() and secret_key_fingerprints(home):
        return _fail(f"{home.path} already holds a key; nothing was changed")
    try:
        passphrase = _passphrase(args, new=True)
        print("Creating your key pair; this can take a minute ...", file=sys.stderr)
        out = args.public_key_out or Path.cwd() / "kring-public-key.asc"
        key = generate_confidant_key(
            home,
            name=args.name,
            passphrase=passphrase,
            public_key_path=out,
            algorithm="rsa4096" if args.rsa else "cv25519",
        )
    except (PassphraseError, KeyGenerationFailed) as exc:
        return _fail(str(exc))
    finally:
        home.kill_agent()
    print(f"Your key pair is in {home.path} (keep it on this workstation only).")
    print(f"Public key for upload in Kring: {key.public_key_path}")
    print()
    print("Fingerprint (compare it with what Kring shows after the upload):")
    print(f"  {format_fingerprint(key.fingerprint)}")
    print()
    print(fingerprint_qr(key.fingerprint))
    return EXIT_OK


def _progress_factory(
    bars: list[ProgressBar],
) -> Callable[[ManifestItem], Callable[[int], None] | None]:
    def factory(item: ManifestItem) -> Callable[[int], None] | None:
        if item.size < SHOW_FROM_BYTES or not sys.stderr.isatty():
            return None
        bar = ProgressBar(f"item {item.seq} ({item.kind})", item.size, sys.stderr)
        bars.append(bar)
        return bar.update

    return factory


def cmd_open(args: argparse.Namespace) -> int:
    """Open a bundle into ``--to`` and print a summary."""
    home = GpgHome(args.gnupg_home)
    own_keys: list[str] = []
    if home.path.is_dir():
        home.kill_agent()  # a passphrase cached by an earlier agent would hide a wrong one
        own_keys = secret_key_ids(home)
    if not own_keys:
        return _fail(f"no secret key in {home.path}; run keygen first or pass --gnupg-home")
    limits = BundleLimits(
        max_total_bytes=int(args.max_total_gb * 1024**3), max_ratio=args.max_ratio
    )
    # Check the bundle before asking for the passphrase: a broken or hostile
    # bundle is refused without unlocking anything.
    try:
        with open_bundle(args.bundle, limits):
            pass
    except BundleError as exc:
        return _fail(f"{args.bundle}: refused, nothing was written: {exc}")
    except OSError as exc:
        return _fail(f"{args.bundle}: {exc.strerror}")
    try:
        passphrase = _passphrase(args, new=False)
    except PassphraseError as exc:
        return _fail(str(exc))
    bars: list[ProgressBar] = []
    try:
        report = open_bundle_into(
            args.bundle,
            args.to,
            home=home,
            passphrase=passphrase,
            limits=limits,
            progress=_progress_factory(bars),
            own_keys=own_keys,
        )
    except OpenAborted as exc:
        return _fail(str(exc))
    except BundleError as exc:
        return _fail(f"{args.bundle}: refused, nothing was written: {exc}")
    except CryptoError as exc:
        return _fail(str(exc))
    finally:
        for bar in bars:
            bar.finish()
    for warning in report.warnings:
        print(f"WARNING: {warning}", file=sys.stderr)
    texts = [e for e in report.opened if e.kind != "file"]
    files = [e for e in report.opened if e.kind == "file"]
    print(f"Opened into {report.folder}")
    print(
        f"  {len(texts)} message(s) and replies, {len(files)} file(s) "
        f"({human_size(sum(e.file_size for e in files))})"
    )
    for path in report.transcript_paths:
        print(f"  transcript: {path}")
    for seq, problem in report.refused:
        print(f"  REFUSED item {seq}: {problem}")
    if report.reporter_key:
        print(f"  reporter key: {report.reporter_key}")
    for entry in report.unproven:
        print(f"  NOT PROVEN item {entry.seq}: {describe(entry.authorship)}")
    alarm = summary_alarm(report.entries)
    if alarm:
        print(alarm)
    if report.refused:
        print(f"{len(report.refused)} item(s) could not be opened; see above.")
        return EXIT_SOME_REFUSED
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """Export cleaned copies; list the files mat2 could not clean."""
    try:
        results = export_cleaned(args.files, args.to)
    except Mat2NotInstalled as exc:
        return _fail(str(exc))
    refused = [r for r in results if r.exported is None]
    for result in results:
        if result.exported is not None:
            print(f"cleaned: {result.source} -> {result.exported}")
    for result in refused:
        print(f"NOT EXPORTED: {result.source}: {result.problem}", file=sys.stderr)
    if refused:
        print(
            "mat2 could not clean the file(s) above, so they were not exported. Share them "
            "only after checking them yourself (or converting them to a format mat2 "
            "supports: `mat2 --list`).",
            file=sys.stderr,
        )
        return EXIT_SOME_REFUSED
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """Print loud warnings for an interface up, unencrypted swap, a loose gpg home;
    and the local key's fingerprint, to compare with the one journalist_ui encrypts to.
    """
    findings = check_network() + check_swap() + check_gpg_home(Path(args.gnupg_home))
    home = GpgHome(Path(args.gnupg_home))
    fingerprints = secret_key_fingerprints(home) if home.path.is_dir() else []
    for fingerprint in fingerprints:
        print("Your key's fingerprint (Kring's account page must show exactly this one):")
        print(f"  {format_fingerprint(fingerprint)}")
    if not fingerprints:
        print(f"No key in {home.path} yet: run `kring-workstation keygen` first.")
    if not findings:
        print("OK: no network interface up, swap encrypted or absent, gpg home private.")
        return EXIT_OK
    for finding in findings:
        print(f"!!! WARNING ({finding.check}): {finding.message}", file=sys.stderr)
    print(f"!!! {len(findings)} problem(s): fix them before opening reports.", file=sys.stderr)
    return EXIT_SOME_REFUSED


def cmd_app(args: argparse.Namespace) -> int:
    """Start the desktop app (needs the ``app`` extra: PySide6)."""
    try:
        from kring.workstation.app.main import run
    except ImportError as exc:
        return _fail(
            f"the desktop app needs PySide6, which is not installed ({exc}); install Kring "
            "with its app extra: pip install 'kring[app]' (see docs/confidant-workstation.md)"
        )
    if args.add_to_menu:
        from kring.workstation.app.desktop_entry import install_desktop_entry

        print(f"Added to the applications menu: {install_desktop_entry()}")
        return EXIT_OK
    return run(Path(args.gnupg_home), args.language)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used by the docs to stay in step)."""
    parser = argparse.ArgumentParser(
        prog="kring-workstation",
        description="The confidant's offline workstation: keys, opening bundles, safe export.",
    )
    parser.add_argument(
        "--gnupg-home",
        type=Path,
        default=default_home_path(),
        help="gpg home holding your key (default: $KRING_GNUPGHOME or ~/.kring-workstation/gnupg)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    keygen = commands.add_parser("keygen", help="create your key pair and export the public key")
    keygen.add_argument("--name", default="Kring confidant", help="name in the key (not secret)")
    keygen.add_argument("--rsa", action="store_true", help="RSA-4096 instead of Curve25519")
    keygen.add_argument("--public-key-out", type=Path, help="where to write the public key")
    keygen.set_defaults(handler=cmd_keygen)

    opener = commands.add_parser("open", help="decrypt a bundle into a folder")
    opener.add_argument("bundle", type=Path)
    opener.add_argument("--to", type=Path, required=True, help="folder to write into")
    opener.add_argument("--max-total-gb", type=float, default=64.0, help="size limit (GB)")
    opener.add_argument("--max-ratio", type=int, default=100, help="compression ratio limit")
    opener.set_defaults(handler=cmd_open)

    exporter = commands.add_parser("export", help="copy files with metadata removed (mat2)")
    exporter.add_argument("files", type=Path, nargs="+")
    exporter.add_argument("--to", type=Path, required=True)
    exporter.set_defaults(handler=cmd_export)

    app = commands.add_parser("app", help="start the desktop app (window) instead")
    app.add_argument("--language", choices=["en", "nl"], help="default: the system language")
    app.add_argument(
        "--add-to-menu",
        action="store_true",
        help="put 'Kring workstation' into your desktop's applications menu, then stop",
    )
    app.set_defaults(handler=cmd_app)

    check = commands.add_parser("check", help="warn about network, swap and key-folder problems")
    check.set_defaults(handler=cmd_check)

    for sub in (keygen, opener):
        # For scripts: the passphrase is read from an inherited descriptor,
        # never from argv or the environment.
        sub.add_argument(
            "--passphrase-fd", type=int, help="read the passphrase from this file descriptor"
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``kring-workstation``."""
    args = build_parser().parse_args(argv)
    try:
        result: int = args.handler(args)
    except KeyboardInterrupt:
        return _fail("interrupted; no half-written file was left under a complete name")
    return result


if __name__ == "__main__":
    sys.exit(main())
