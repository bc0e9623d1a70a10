"""Give notebooks the metadata JupyterLab writes (analysis.run.notebook_metadata):
`python tools/normalise_notebooks.py [NB...]` (default: notebooks/*.ipynb). Exit 1 if a file was changed, as pre-commit
hooks do."""

from __future__ import annotations

import sys
from pathlib import Path

from analysis.run.notebook_metadata import normalise

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    changed = [p for p in paths if normalise(p)]
    for path in changed:
        print(f"normalised {path}")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
