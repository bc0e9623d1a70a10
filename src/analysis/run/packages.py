"""Which installed packages a notebook runs on, with their versions, for the report's provenance.

Read from the source, never by importing: the notebook's code cells and, followed transitively, the
`analysis` modules they import (so numpy, seaborn or matplotlib used only inside a helper count too). Each
top-level module is mapped to its distribution (`importlib.metadata.packages_distributions`); the standard
library and the project itself are left out. Versions are those of this interpreter, which is the kernel's
(the runner refuses a kernel that starts another one). pandas reads Parquet through pyarrow without an import
statement, so pandas brings pyarrow.
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import importlib.util
import sys
from pathlib import Path

PROJECT = "analysis"
#: engines a package loads by itself, which no import statement names
IMPLIED = {"pandas": ("pyarrow",)}


def _tops(tree: ast.AST, package: str = "") -> tuple[set[str], set[str]]:
    """(top-level module names, analysis.* module names) imported anywhere in tree."""
    tops: set[str] = set()
    inner: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside the project
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                names = [f"{base}.{node.module}" if node.module else base]
            elif node.module:
                names = [node.module]
            if names and names[0].split(".")[0] == PROJECT:  # `from analysis.notebook import plots`: modules too
                names += [f"{names[0]}.{a.name}" for a in node.names]
        for name in names:
            tops.add(name.split(".")[0])
            if name.split(".")[0] == PROJECT:
                inner.add(name)
    return tops, inner


def _code(source: str) -> str:
    """Cell source without IPython magics and shell escapes (not Python)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _parse(text: str) -> ast.AST:
    try:
        return ast.parse(text)
    except SyntaxError:
        return ast.Module(body=[], type_ignores=[])


def _module_file(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    origin = getattr(spec, "origin", None) if spec else None
    return Path(origin) if origin and origin.endswith(".py") else None


def imported_modules(notebook: Path) -> set[str]:
    """Top-level modules the notebook's code and the project modules it uses import."""
    import nbformat  # here: its jsonschema import takes seconds

    nb = nbformat.read(notebook, as_version=4)
    tops: set[str] = set()
    todo: set[str] = set()
    for cell in nb.cells:  # cell by cell: one that is not Python (a typo, a magic) hides no other's imports
        if cell.cell_type == "code":
            more, inner = _tops(_parse(_code(cell.source)))
            tops |= more
            todo |= inner
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _module_file(name)
        if path is None:
            continue
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        more, inner = _tops(_parse(path.read_text(encoding="utf-8")), package)
        tops |= more
        todo |= inner - seen
    for top, implied in IMPLIED.items():
        if top in tops:
            tops |= set(implied)
    return {t for t in tops if t not in sys.stdlib_module_names and t != PROJECT and t != "__future__"}


def versions(modules: set[str]) -> dict[str, str]:
    """{distribution: version}, sorted by name; a module no installed distribution provides is 'not installed'."""
    owners = md.packages_distributions()
    out: dict[str, str] = {}
    for module in modules:
        for dist in owners.get(module, []) or [module]:
            try:
                out[dist.lower()] = md.version(dist)
            except md.PackageNotFoundError:
                out[dist.lower()] = "not installed"
    return dict(sorted(out.items()))


def notebook_packages(notebook: Path) -> dict[str, str]:
    """{distribution: version} of every package the notebook imports, directly or through `analysis`."""
    return versions(imported_modules(Path(notebook)))
