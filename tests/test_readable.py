"""One size format and one grouping for the server's pages and the workstation."""

from __future__ import annotations

import io

import pytest

from kring.journalist_ui.formatting import fingerprint_groups, item_size
from kring.readable import group_by_four, human_size
from kring.workstation import keygen, progress


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1_300, "1.3 kB"),
        (2_000_000, "2.0 MB"),
        (3_500_000_000, "3.5 GB"),
        (1_500_000_000_000, "1500.0 GB"),
    ],
)
def test_human_size(size: int, shown: str) -> None:
    assert human_size(size) == shown


def test_server_and_workstation_show_sizes_alike() -> None:
    """The confidant sees "1.3 kB" in the inbox and in the desktop app, not "KB" in one."""
    assert item_size(1_300) == "≤ 1.3 kB"
    shown = io.StringIO()
    progress.ProgressBar("bundle", 1_300, shown, min_interval=0).update(1_300)
    assert "1.3 kB / 1.3 kB" in shown.getvalue()


def test_group_by_four() -> None:
    fingerprint = "0123ABCD4567EF89"
    assert group_by_four(fingerprint) == "0123 ABCD 4567 EF89"
    assert group_by_four("ABCDEF") == "ABCD EF"
    assert group_by_four("") == ""
    assert fingerprint_groups(fingerprint) == keygen.format_fingerprint(fingerprint)
    assert fingerprint_groups(None) == ""
