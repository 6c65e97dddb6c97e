"""The reporters' onion in ansible's torrc has tor's DoS defences on, and tor accepts them."""

from __future__ import annotations

from pathlib import Path

from tests.deploy.test_torrc_ssh import _render, _verify


def test_source_onion_has_pow_and_intro_defences_by_default(tmp_path: Path) -> None:
    torrc = _render(tmp_path)
    source_block = torrc.split("HiddenServiceDir")[1]  # the reporters' service comes first
    for line in (
        "HiddenServicePoWDefensesEnabled 1",
        "HiddenServicePoWQueueRate 250",
        "HiddenServicePoWQueueBurst 2500",
        "HiddenServiceEnableIntroDoSDefense 1",
        "HiddenServiceEnableIntroDoSRatePerSec 25",
        "HiddenServiceEnableIntroDoSBurstPerSec 200",
    ):
        assert line in source_block, torrc
    _verify(tmp_path, torrc)  # Debian's tor (built with the pow module) accepts them


def test_defences_can_be_turned_off(tmp_path: Path) -> None:
    torrc = _render(tmp_path, kring_tor_source_dos_defences=False)
    assert "PoW" not in torrc and "IntroDoS" not in torrc
    _verify(tmp_path, torrc)
