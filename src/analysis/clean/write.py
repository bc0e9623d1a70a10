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
import pyarrow.compute as pc
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
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; the published files follow the umask like any other
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


def _neutralise_arrow(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """neutralise() in Arrow compute: the same rule, without a Python call per cell."""
    # _FORMULA looks at the first character only: test it against the set instead of running a regex
    first = pc.utf8_slice_codeunits(arr, 0, 1)
    hit = pc.is_in(first, value_set=pa.array(["=", "+", "-", "@", "\t", "\r"], type=arr.type))
    if not pc.any(hit).as_py():
        return arr
    quote, empty = pa.scalar("'", arr.type), pa.scalar("", arr.type)
    return pc.if_else(hit, pc.binary_join_element_wise(quote, arr, empty), arr)


def _csv_table(df: pd.DataFrame, table: pa.Table | None = None) -> pa.Table:
    """The CSV twin: dates as YYYY-MM-DD, text neutralised, the rest as in the Parquet file."""
    table = _arrow(df) if table is None else table
    for i, col in enumerate(df.columns):
        s = df[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            arr = table.column(i).cast(pa.date32(), safe=False).cast(pa.large_string())  # YYYY-MM-DD
        elif pd.api.types.is_string_dtype(s):
            arr = table.column(i) if s.dtype == "str" else pa.chunked_array([pa.array(s.astype("str"))])
            arr = _neutralise_arrow(arr.cast(pa.large_string()))
        else:
            continue
        table = table.set_column(i, pa.field(col, arr.type), arr)
    return table.replace_schema_metadata(None)


def _csv_frame(df: pd.DataFrame) -> pa.Table:
    return _csv_table(df)


def write_table(df: pd.DataFrame, out_dir: Path, name: str) -> list[Path]:
    """Write name.parquet and name.csv; returns the paths."""
    pq_path, csv_path = out_dir / f"{name}.parquet", out_dir / f"{name}.csv"
    table = _arrow(df)
    _atomic(pq_path, lambda p: pq.write_table(table, p, compression="zstd", write_statistics=True))
    _atomic(csv_path, lambda p: pacsv.write_csv(_csv_table(df, table), p))
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
