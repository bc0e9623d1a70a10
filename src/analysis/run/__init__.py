"""Run notebooks into citable HTML reports: execute, render, index and verify.

Modules: `provenance` (what a run depends on), `execute` (papermill), `render` (HTML),
`index` (reports/index.html), `verify` (re-run a cited report), `cli` (commands).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PROVENANCE_ID = "oskil-provenance"  # id of the <script type="application/json"> in each report


def atomic_write(path: Path, data: str | bytes) -> Path:
    """Write via a temp file in the same folder + os.replace, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; reports are meant to be shared
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
