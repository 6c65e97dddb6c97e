"""Declared dependencies match what the code imports.

A dependency that nothing imports is attack surface shipped to every server for nothing;
an import that no extra declares works on a developer's machine by accident and breaks a
fresh install. The air-gapped workstation is installed with `pip install .` (no extras),
so what it and the crypto layer import must be in the base dependencies.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
# The development kit (demo, test network, test tools) is a distribution of its own.
DEVKIT = tomllib.loads((REPO / "devkit" / "pyproject.toml").read_text())
# The project's own packages: kring, and kring_devkit which scripts/setup.sh installs beside it.
OWN_TOP_LEVELS = {"kring", "kring_devkit", "tests", "bench"}
# Declared, but used without an import statement of their own; each with its reason.
USED_WITHOUT_IMPORT = {
    "pysocks": "requests' socks5h:// proxy support in the Tor tests",
    "pytest-timeout": "a pytest plugin, loaded by pytest itself",
    "mypy": "run by scripts/test.sh",
    "ruff": "run by scripts/test.sh",
    "ansible": "run as ansible-playbook by the deployment tests",
    "ansible-lint": "run as a command by the deployment tests",
    "import-linter": "run as lint-imports by scripts/test.sh",
    "setuptools": "the build backend tests/test_wheel.py builds the production wheel with",
    "kring": "the dev extra pulls in the project's own app extra (kring[app]: PySide6)",
}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    return _normalise(re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0])


def _declared(*groups: str) -> set[str]:
    project = PYPROJECT["project"]
    names = {_requirement_name(r) for r in project["dependencies"]}
    for group in groups:
        names |= {_requirement_name(r) for r in project["optional-dependencies"][group]}
    return names


def _runtime_extras() -> list[str]:
    return [g for g in PYPROJECT["project"]["optional-dependencies"] if g != "dev"]


def _imported_top_levels(paths: list[Path]) -> dict[str, set[Path]]:
    """Top-level third-party module names imported by these files, and where."""
    found: dict[str, set[Path]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in OWN_TOP_LEVELS:
                    continue
                found.setdefault(top, set()).add(path.relative_to(REPO))
    return found


@cache
def _module_owners() -> dict[str, list[str]]:
    return packages_distributions()


def _distributions(top_level: str) -> set[str]:
    return {_normalise(d) for d in _module_owners().get(top_level, [])}


def _undeclared(paths: list[Path], allowed: set[str]) -> dict[str, list[str]]:
    missing = {}
    for module, where in _imported_top_levels(paths).items():
        if not _distributions(module) & allowed:
            missing[module] = sorted(str(p) for p in where)[:3]
    return missing


def _files(*folders: str, exclude: str | None = None) -> list[Path]:
    files = [p for folder in folders for p in sorted((REPO / folder).rglob("*.py"))]
    return [p for p in files if not (exclude and exclude in p.parts)]


def test_every_import_of_the_package_is_declared() -> None:
    assert _undeclared(_files("kring"), _declared(*_runtime_extras())) == {}


def test_workstation_and_crypto_need_only_the_base_install() -> None:
    # The desktop app lives in its own subpackage with its own extra.
    paths = _files("kring/workstation", "kring/crypto", exclude="app")
    assert _undeclared(paths, _declared()) == {}


def test_every_import_of_tests_and_benchmarks_is_declared() -> None:
    allowed = _declared(*_runtime_extras(), "dev")
    assert _undeclared(_files("tests", "bench"), allowed) == {}


def test_every_import_of_the_devkit_is_declared() -> None:
    """The devkit depends on kring[server]: its imports are the server's or its own."""
    own = {_requirement_name(r) for r in DEVKIT["project"]["dependencies"]}
    assert own == {"kring"}, "the devkit's dependencies are declared through kring's extras"
    assert _undeclared(_files("devkit"), _declared(*_runtime_extras())) == {}


def test_every_declared_dependency_is_used() -> None:
    imported = _imported_top_levels(_files("kring", "devkit", "tests", "bench"))
    used = set().union(*(_distributions(module) for module in imported))
    declared = _declared(*_runtime_extras(), "dev")
    unused = declared - used - set(USED_WITHOUT_IMPORT)
    assert unused == set()
