"""Where the project is: its root folder, found the same way by the runner, the notebooks and the CLI; and
folders written into reports in a form that does not depend on where the project or the home folder is."""

from __future__ import annotations

import os
from pathlib import Path


def _is_root(folder: Path) -> bool:
    return (folder / "pyproject.toml").is_file() or (folder / ".git").exists()


def repo_root(start: Path | None = None) -> Path:
    """Nearest folder up from start (default: the working directory) with pyproject.toml or .git; from outside any
    project (e.g. /tmp), the checkout this package was imported from; else start."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _is_root(folder):
            return folder
    checkout = Path(__file__).resolve().parents[3]  # <checkout>/src/analysis/support/paths.py
    if start is None and (checkout / "pyproject.toml").is_file() and (checkout / "notebooks").is_dir():
        return checkout
    return here


def find(value: str | Path, root: Path) -> Path:
    """A path given on the command line: '~' expanded; a relative one from the working directory if it exists
    there, else from the project root (so `data/processed` means the same from notebooks/ as from the root)."""
    path = Path(os.path.expanduser(str(value)))
    if path.is_absolute():
        return path
    here = Path.cwd() / path
    return here if here.exists() else Path(root) / path


def project_path(value: str | Path, root: Path) -> str:
    """A folder as a report records it (in its parameters, name and hash): relative to the project when inside it
    ('data/processed'), '~/...' when under the home folder, else absolute. A relative value is read from the
    project root (the command line's relative paths are made absolute by `find` first)."""
    path = Path(os.path.expanduser(str(value)))
    path = (path if path.is_absolute() else Path(root) / path).resolve()
    for base, prefix in ((Path(root).resolve(), ""), (Path.home().resolve(), "~/")):
        if path.is_relative_to(base):
            rel = path.relative_to(base).as_posix()
            return (prefix + rel) if rel != "." else (prefix.rstrip("/") or ".")
    return path.as_posix()
