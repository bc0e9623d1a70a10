"""Data flows one way: an allow-list of which layer of src/analysis may import which, checked on every module.

support (checksum, paths, folder_lock) -> registry (schema, vocab) -> clean -> importers, testdata, notebook
-> docgen, run -> cli. A module's layer is its sub-package; every cli.py (and __main__) is in `cli`, the
command line, which may import anything and which nothing else imports. run imports the notebook layer only for
what the runner shares with the notebooks (keyfigures' and saved_files' environment names, param_specs) and the
clean only for its atomic write.
"""

from __future__ import annotations

import ast
from graphlib import TopologicalSorter
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "analysis"

#: layer -> the layers it may import (besides itself and the bare `analysis` package, which holds __version__)
ALLOWED: dict[str, set[str]] = {
    "support": set(),
    "registry": {"support"},
    "clean": {"registry", "support"},
    "importers": {"clean", "registry", "support"},
    "testdata": {"clean", "registry", "support"},
    "notebook": {"clean", "registry", "support"},
    "docgen": {"notebook", "clean", "registry", "support"},
    "run": {"notebook", "clean", "support"},
    "cli": {"run", "docgen", "notebook", "testdata", "importers", "clean", "registry", "support"},
}


def layer(module: str) -> str | None:
    """The layer of a module name under analysis (None: the bare package or a name in it, like __version__)."""
    parts = module.split(".")
    if parts[0] != "analysis":
        raise ValueError(module)
    if parts[-1] in ("cli", "__main__"):
        return "cli"
    if len(parts) == 1 or parts[1] not in ALLOWED:
        return None
    return parts[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, module: str | None = None) -> list[tuple[int, str]]:
    """Every analysis module a file imports, absolute, with its line (relative imports resolved, importlib too)."""
    module = module or module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
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
    return [(line, m) for line, m in out if m == "analysis" or m.startswith("analysis.")]


def violations(path: Path, module: str | None = None) -> list[tuple[int, str]]:
    own = layer(module or module_name(path))
    allowed = (ALLOWED[own] if own else set()) | {own, None}  # the bare package imports nothing of its own
    return [(line, m) for line, m in imported_modules(path, module) if layer(m) not in allowed]


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_is_in_a_layer():
    loose = [module_name(p) for p in MODULES if p.name != "__init__.py" and layer(module_name(p)) is None]
    assert loose == [], f"modules in no layer (put them in a sub-package, or add a layer to ALLOWED): {loose}"


def test_the_allow_list_flows_one_way():
    order = list(TopologicalSorter(ALLOWED).static_order())  # raises CycleError on a cycle
    assert order[0] == "support" and order[-1] == "cli"
    assert not any("cli" in deps for deps in ALLOWED.values())


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p) or "analysis")
def test_each_module_imports_only_what_its_layer_may(path):
    bad = violations(path)
    assert not bad, f"{module_name(path)} ({layer(module_name(path))}) imports: {bad}"


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
    assert any(m == module for _, m in imported_modules(p, "analysis.clean.x"))
    assert violations(p, "analysis.clean.x"), module


def test_the_scan_allows_what_the_layer_may_import(tmp_path):
    p = tmp_path / "x.py"
    p.write_text("from analysis.clean import dates\nfrom .errors import CleanError\n"
                 "from analysis.registry.schema import TABLES\nfrom analysis import __version__\n"
                 "from analysis.support.paths import repo_root\n")
    assert violations(p, "analysis.clean.x") == []


def test_the_readme_layout_names_every_layer_and_sub_package():
    """README.md's layout section shows the layers: every sub-package of src/analysis has its line there."""
    readme = (SRC.parent / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout"):readme.index("\n## ", readme.index("## Layout") + 1)]
    packages = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))
    assert set(packages) <= set(ALLOWED), "a sub-package that is no layer: add it to ALLOWED"
    missing = [p for p in packages if f"\n  {p}/ " not in layout]
    assert not missing, f"README.md's layout section does not list: {missing}"
    assert all(f"{layer}" in layout.split("```")[0] for layer in ALLOWED), "the one-way flow line names every layer"
