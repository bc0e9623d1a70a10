"""Write processed tables atomically and deterministically: Parquet plus a CSV twin for people.

Each file is written to a temporary name in the same folder and renamed into place, so a killed run
never leaves half a file. manifest.json, written last, lists every file with its SHA-256: readers
check it, so a set of files from two different runs is detected. Text cells that a spreadsheet would
run as a formula (=, +, -, @) are prefixed with ' in the CSV twins only.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from analysis.schema import SCHEMA_VERSION

_FORMULA = r"^[=+\-@\t\r]"


def neutralise(s: pd.Series) -> pd.Series:
    """Defuse spreadsheet formulas in a text column (OWASP CSV injection advice)."""
    return s.mask(s.str.match(_FORMULA, na=False), "'" + s)


def _atomic(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _arrow(df: pd.DataFrame) -> pa.Table:
    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = {b"oskil.schema_version": SCHEMA_VERSION.encode()}
    return table.replace_schema_metadata({**{k: v for k, v in (table.schema.metadata or {}).items()}, **meta})


def _csv_frame(df: pd.DataFrame) -> pa.Table:
    out = {}
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_string_dtype(s):
            out[col] = neutralise(s.astype("str"))
        else:
            out[col] = s
    return pa.Table.from_pandas(pd.DataFrame(out), preserve_index=False)


def write_table(df: pd.DataFrame, out_dir: Path, name: str) -> list[Path]:
    """Write name.parquet and name.csv; returns the paths."""
    pq_path, csv_path = out_dir / f"{name}.parquet", out_dir / f"{name}.csv"
    _atomic(pq_path, lambda p: pq.write_table(_arrow(df), p, compression="zstd", write_statistics=True))
    _atomic(csv_path, lambda p: pacsv.write_csv(_csv_frame(df), p))
    return [pq_path, csv_path]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_manifest(out_dir: Path, files: list[Path], extra: dict) -> Path:
    """manifest.json: schema version, per-file SHA-256, and the clean's counts. Written last."""
    body = {"schema_version": SCHEMA_VERSION, **extra,
            "files": {p.name: sha256(p) for p in sorted(files)}}
    path = out_dir / "manifest.json"
    _atomic(path, lambda p: Path(p).write_text(json.dumps(body, indent=2, sort_keys=True) + "\n"))
    return path


def check_manifest(out_dir: Path) -> dict:
    """Raise if the processed folder is not one complete, consistent run."""
    path = out_dir / "manifest.json"
    if not path.exists():
        raise FileNotFoundError(f"{out_dir}: no manifest.json; run `python -m analysis clean` first")
    body = json.loads(path.read_text())
    for name, digest in body["files"].items():
        if not (out_dir / name).exists() or sha256(out_dir / name) != digest:
            raise RuntimeError(f"{out_dir / name} does not match manifest.json: the processed data is from "
                               "an interrupted or mixed run; run `python -m analysis clean` again")
    return body
