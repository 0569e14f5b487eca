"""The import boundaries of DESIGN.md, checked in a fresh interpreter so nothing else has been imported yet."""

from __future__ import annotations

import json
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "drivers": {"collector", "portal", "psycopg", "psycopg_pool", "flask", "apscheduler"},
    "portal": {"collector", "drivers", "dlms_cosem", "pymodbus", "serial"},
}


def _modules(package: str) -> list[str]:
    return [package] + [info.name for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}.")]


_PROBE = """
import importlib, json, sys
found = {}
for name in sys.argv[1:]:
    before = set(sys.modules)
    importlib.import_module(name)
    found[name] = sorted({m.split('.')[0] for m in set(sys.modules) - before})
print(json.dumps(found))
"""


def _loaded_by_each(modules: list[str]) -> dict[str, set[str]]:
    """Top-level packages each module pulls in, in one fresh interpreter (blame goes to the first importer)."""
    # portal.wsgi builds the app at import: give it a DSN that is never connected to and a throwaway secret.
    env = dict(os.environ, UCHET_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none", UCHET_PORTAL_SECRET="x" * 32)
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, *modules], cwd=ROOT, capture_output=True, text=True, check=True, env=env
    )
    return {name: set(tops) for name, tops in json.loads(out.stdout.strip().splitlines()[-1]).items()}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_forbidden(package: str) -> None:
    for module, loaded in _loaded_by_each(_modules(package)).items():
        leaked = loaded & FORBIDDEN[package]
        assert not leaked, f"{module} imports {sorted(leaked)}"


@pytest.mark.parametrize(("library", "owners_max"), [("pymodbus", 1), ("dlms_cosem", 1), ("serial", 1)])
def test_each_protocol_library_is_imported_by_one_module(library: str, owners_max: int) -> None:
    importers = []
    for path in (ROOT / "drivers").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if re.search(rf"^\s*(import|from)\s+{library}\b", text, re.MULTILINE):
            importers.append(str(path.relative_to(ROOT)))
    assert len(importers) <= owners_max, f"{library} imported by {importers}"
