"""Read files of a processed folder checked against its manifest.json, under the folder's shared lock.

The read side of `write`: notebooks (through `analysis.notebook.load`) and importers (an existing gazetteer) both
parse exactly the bytes the hash names, and a clean publishing into the folder waits until they are read.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from analysis.clean.write import read_manifest
from analysis.support.checksum import sha256_bytes
from analysis.support.folder_lock import shared_lock


def read_checked(folder: Path, names: list[str]) -> dict[str, tuple[bytes, str]]:
    """{file name: (bytes, sha256)} for files of a processed folder, each checked against its manifest."""
    with shared_lock(folder):
        body = read_manifest(folder)
        out = {}
        for name in names:
            path = folder / name
            data = path.read_bytes() if path.is_file() else None
            digest = sha256_bytes(data) if data is not None else None
            if digest is None or body["files"].get(name) != digest:
                raise RuntimeError(f"{path} does not match manifest.json: the processed data is from an interrupted "
                                   "or mixed run; run `python -m analysis clean` again")
            out[name] = (data, digest)
    return out


def read_tables(folder: str | Path, tables: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """Processed tables by name, parsed from the bytes that were checked against manifest.json (the notebooks'
    `load` does the same and also tells the report runner what it read)."""
    got = read_checked(Path(folder), [f"{t}.parquet" for t in tables])
    return {t: pd.read_parquet(io.BytesIO(got[f"{t}.parquet"][0])) for t in tables}
