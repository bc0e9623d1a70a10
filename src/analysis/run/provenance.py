"""Provenance of a report run: everything a reader needs to cite it and re-create it.

Also the run's identity (parameter hash, file stem), since both come from the same
effective parameter set.
"""

from __future__ import annotations

import ast
import hashlib
import json
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from analysis.run.cite import bibtex, citation_fields, cite_as
from analysis.run.packages import notebook_packages
from analysis.support.checksum import sha256

Params = dict[str, object]

_SLUG_BAD = re.compile(r"[^a-z0-9._-]+")
SLUG_MAX = 60


def pm_path(path: Path | str) -> str:
    """Path for papermill, which runs str.format(**parameters) on paths: escape braces."""
    return str(path).replace("{", "{{").replace("}", "}}")


def notebook_defaults(notebook_path: Path) -> Params:
    """Defaults of the 'parameters'-tagged cell, parsed as literals (never evaluated).

    A default that is not a literal (e.g. ``date.today()``) is kept as its source text.
    """
    import papermill

    values: Params = {}
    for name, info in papermill.inspect_notebook(pm_path(notebook_path)).items():
        try:
            values[name] = ast.literal_eval(info["default"])
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            values[name] = info["default"]
    return values


def effective_parameters(defaults: Params, given: Params) -> Params:
    """Defaults overlaid by the given values; notebook order first, then extras sorted."""
    merged = {name: given.get(name, value) for name, value in defaults.items()}
    merged.update({name: given[name] for name in sorted(given) if name not in defaults})
    return merged


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def params_hash(params: Params) -> str:
    """8-hex identity of a full parameter set (order-insensitive)."""
    return hashlib.sha256(_canonical(params).encode("utf-8")).hexdigest()[:8]


def slugify(text: str, limit: int = SLUG_MAX) -> str:
    """File-name-safe text: [a-z0-9._-] only, no '..', capped, never empty."""
    slug = _SLUG_BAD.sub("-", text.lower())
    slug = re.sub(r"\.{2,}", ".", re.sub(r"-{2,}", "-", slug)).strip("-._")
    return slug[:limit].rstrip("-._") or "x"


def same_value(a: object, b: object) -> bool:
    """Equal and of the same type (so True != 1 and 1 != 1.0 for naming and hashing)."""
    return type(a) is type(b) and a == b


def changed_parameters(effective: Params, defaults: Params) -> Params:
    """The parameters that differ from the notebook's defaults (what a citation names), in notebook order."""
    return {name: value for name, value in effective.items()
            if name not in defaults or not same_value(value, defaults[name])}


def report_stem(notebook_stem: str, effective: Params, defaults: Params) -> str:
    """``<stem>__<changed params or 'defaults'>__<hash>``: readable and unique per parameter set."""
    changed = [
        f"{name}-{value if isinstance(value, str) else _canonical(value)}"
        for name, value in effective.items()
        if name not in defaults or not same_value(value, defaults[name])
    ]
    label = slugify("__".join(changed)) if changed else "defaults"
    return f"{slugify(notebook_stem)}__{label}__{params_hash(effective)}"


def notebook_title(notebook_path: Path) -> str:
    """First markdown heading, else the file stem."""
    import nbformat  # here, not at the top: its jsonschema import takes seconds (`run --help` need not wait)

    nb = nbformat.read(notebook_path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.lstrip().startswith("#"):
                return line.strip().lstrip("#").strip() or notebook_path.stem
    return notebook_path.stem


def _git(repo_root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(repo_root), *args],
            check=False,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def git_state(repo_root: Path) -> tuple[str, bool | str]:
    """(commit, dirty). Dirty ignores reports/ and data/ (outputs and checksummed inputs)."""
    commit = _git(repo_root, "rev-parse", "HEAD")
    if not commit:
        return "unknown", "unknown"
    status = _git(repo_root, "status", "--porcelain", "--", ".", ":(exclude)reports", ":(exclude)data")
    return commit.strip(), "unknown" if status is None else bool(status.strip())


def data_checksums(data_dir: Path) -> dict[str, str]:
    """SHA-256 of the folder's Parquet tables, by name, sorted: those its manifest.json lists, else the *.parquet
    files directly in it. Never a recursive walk: a data_dir of '/' costs a directory listing, not a disk scan."""
    data_dir = Path(data_dir)
    try:
        listed = json.loads((data_dir / "manifest.json").read_text(encoding="utf-8"))["files"]
        names = sorted(n for n in listed if str(n).endswith(".parquet") and Path(str(n)).name == n)
    except (OSError, ValueError, KeyError, TypeError):
        names = sorted(p.name for p in data_dir.glob("*.parquet")) if data_dir.is_dir() else []
    return {name: sha256(data_dir / name) for name in names if (data_dir / name).is_file()}


def data_hash(checksums: dict[str, str]) -> str:
    """One hash for the whole data set (over sorted 'path  sha' lines)."""
    lines = "".join(f"{name}  {sha}\n" for name, sha in sorted(checksums.items()))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def read_citation(repo_root: Path) -> dict:
    """CITATION.cff as a dict ({} if absent or unreadable)."""
    path = repo_root / "CITATION.cff"
    if not path.is_file():
        return {}
    import yaml

    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _version(module: str) -> str:
    try:
        return str(__import__(module).__version__)
    except Exception:  # noqa: BLE001 - a missing library is recorded, not fatal
        return "unknown"


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def collect(notebook_path: Path, parameters: Params, data_dir: Path, repo_root: Path) -> dict:
    """Provenance of running notebook_path with parameters (overlaid on its defaults)."""
    notebook_path, data_dir, repo_root = Path(notebook_path), Path(data_dir), Path(repo_root)
    defaults = notebook_defaults(notebook_path)
    effective = effective_parameters(defaults, parameters)
    now = datetime.now(UTC)
    commit, dirty = git_state(repo_root)
    checksums = data_checksums(data_dir)
    title = notebook_title(notebook_path)
    phash = params_hash(effective)
    dhash = data_hash(checksums) if checksums else ""
    version = _version("analysis")
    prov = {
        "title": title,
        "notebook": notebook_path.name,
        "notebook_path": _relative(notebook_path, repo_root),
        "parameters": effective,
        "changed_parameters": changed_parameters(effective, defaults),
        "parameters_hash": phash,
        "run_time_utc": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "package_version": version,
        "git_commit": commit,
        "git_dirty": dirty,
        "python_version": platform.python_version(),
        "pandas_version": _version("pandas"),
        "papermill_version": _version("papermill"),
        "packages": notebook_packages(notebook_path),
        "data_dir": _relative(data_dir, repo_root),
        "data_files": checksums,
        "data_sha256": dhash,
        "citation": citation_fields(read_citation(repo_root), version),
    }
    prov["cite_as"] = cite_as(prov)
    prov["bibtex"] = bibtex(prov)
    return prov
