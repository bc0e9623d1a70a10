"""Load the processed tables for analysis, bound to the bytes actually read.

Each table's file is read into memory once, hashed, checked against manifest.json and parsed from those same
bytes, so what a notebook computes from is exactly what the hash names. While loading, the folder's clean lock
is held shared: a clean publishing into the folder waits, so the tables come from one run. When the report
runner asks for it (OSKIL_READ_LOG), the hashes read are appended to that file, and the runner compares them
with the provenance it cites: a folder that changed mid-run fails the run instead of mixing two data sets.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pandas as pd

from analysis.clean.checked_read import read_checked
from analysis.notebook.keyfigures import READ_LOG_ENV
from analysis.registry.schema import PROCESSED_TABLES

TABLE_NAMES = tuple(t.name for t in PROCESSED_TABLES)


def log_reads(folder: Path, digests: dict[str, str]) -> None:
    """Tell the report runner (if it asked, through OSKIL_READ_LOG) which bytes were read from where."""
    target = os.environ.get(READ_LOG_ENV)
    if not target:
        return
    line = json.dumps({"data_dir": str(Path(folder).resolve()), "files": digests}, sort_keys=True)
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def load(data_dir: str | Path, tables: tuple[str, ...] = TABLE_NAMES) -> dict[str, pd.DataFrame]:
    """Processed tables by name, parsed from the bytes that were checked against manifest.json."""
    d = Path(data_dir)
    got = read_checked(d, [f"{t}.parquet" for t in tables])
    log_reads(d, {name: digest for name, (_, digest) in got.items()})
    return {t: pd.read_parquet(io.BytesIO(got[f"{t}.parquet"][0])) for t in tables}


def within(df: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, oblast: str = "all") -> pd.DataFrame:
    """Rows whose whole date range lies in [start, end], in one oblast unless oblast is 'all': the one
    window every notebook selects its reports by."""
    out = df[(df["date_start"] >= start) & (df["date_end"] <= end)]
    return out if oblast == "all" else out[out["oblast"] == oblast]
