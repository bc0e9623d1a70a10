"""Run notebooks into citable HTML reports: execute, render, index and verify.

Modules: `provenance` (what a run depends on), `execute` (papermill), `render` (HTML),
`index` (reports/index.html), `verify` (re-run a cited report), `cli` (commands).
"""

from __future__ import annotations

from pathlib import Path

PROVENANCE_ID = "oskil-provenance"  # id of the <script type="application/json"> in each report


def atomic_write(path: Path, data: str | bytes) -> Path:
    """Write via a temp file in the same folder + os.replace, so readers never see half a file (the one atomic
    write, analysis.clean.atomic; reports are made readable by everyone: they are meant to be shared)."""
    from analysis.clean.atomic import atomic_write as write

    path.parent.mkdir(parents=True, exist_ok=True)
    return write(path, data, mode=0o644)
