"""Data flows one way: nothing under src/analysis/clean/ imports the analysis, run, plot or importer code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CLEAN = Path(__file__).resolve().parents[1] / "src" / "analysis" / "clean"
FORBIDDEN = ("analysis.run", "analysis.notebook.shelling", "analysis.notebook.casualties",
             "analysis.notebook.diplomacy", "analysis.notebook.plots", "analysis.importers")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, absolute, with its line (relative imports resolved against the package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ["analysis", "clean"]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.append((node.lineno, mod))
            out += [(node.lineno, f"{mod}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            out.append((node.lineno, str(node.args[0].value)))
    return out


def forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FORBIDDEN)


def test_the_clean_package_is_there():
    files = sorted(CLEAN.glob("*.py"))
    assert {"pipeline.py", "read.py", "tables.py", "write.py"} <= {f.name for f in files}


@pytest.mark.parametrize("path", sorted(CLEAN.rglob("*.py")), ids=lambda p: p.name)
def test_clean_imports_nothing_downstream(path):
    bad = [(line, mod) for line, mod in imported_modules(path) if forbidden(mod)]
    assert not bad, f"{path.name} imports downstream code: {bad}"


@pytest.mark.parametrize("source, module", [
    ("import analysis.run.cli", "analysis.run.cli"),
    ("from analysis.notebook import plots", "analysis.notebook.plots"),
    ("from analysis.importers.ucdp import load", "analysis.importers.ucdp"),
    ("from ..notebook import shelling", "analysis.notebook.shelling"),
    ("import importlib\nimportlib.import_module('analysis.notebook.diplomacy')", "analysis.notebook.diplomacy"),
])
def test_the_scan_catches_every_import_form(tmp_path, source, module):
    p = tmp_path / "x.py"
    p.write_text(source)
    assert any(forbidden(m) for _, m in imported_modules(p)), module


def test_the_scan_allows_clean_and_schema_imports(tmp_path):
    p = tmp_path / "x.py"
    p.write_text("from analysis.clean import dates\nfrom .errors import CleanError\n"
                 "from analysis.registry.schema import TABLES\nimport analysis.running_total\n")
    assert not any(forbidden(m) for _, m in imported_modules(p))
