"""The import boundaries of DESIGN.md, checked in a fresh interpreter so nothing else has been imported yet."""

from __future__ import annotations

import json
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


def _loaded_after_import(module: str) -> set[str]:
    code = (
        f"import sys, json, importlib; before = set(sys.modules); importlib.import_module({module!r}); "
        "print(json.dumps(sorted({m.split('.')[0] for m in set(sys.modules) - before})))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_forbidden(package: str) -> None:
    for module in _modules(package):
        leaked = _loaded_after_import(module) & FORBIDDEN[package]
        assert not leaked, f"{module} imports {sorted(leaked)}"


@pytest.mark.parametrize(("library", "owners_max"), [("pymodbus", 1), ("dlms_cosem", 1), ("serial", 1)])
def test_each_protocol_library_is_imported_by_one_module(library: str, owners_max: int) -> None:
    importers = []
    for path in (ROOT / "drivers").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if re.search(rf"^\s*(import|from)\s+{library}\b", text, re.MULTILINE):
            importers.append(str(path.relative_to(ROOT)))
    assert len(importers) <= owners_max, f"{library} imported by {importers}"
