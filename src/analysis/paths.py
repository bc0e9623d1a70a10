"""Where the project is: its root folder, found the same way by the runner, the notebooks and the CLI."""

from __future__ import annotations

from pathlib import Path


def repo_root(start: Path | None = None) -> Path:
    """Nearest folder up from start (default: the working directory) with pyproject.toml or .git; else start."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() or (folder / ".git").exists():
            return folder
    return here
