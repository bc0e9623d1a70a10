"""Load the processed tables for analysis, refusing a folder left by an interrupted clean."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.clean.write import check_manifest

TABLE_NAMES = ("sources", "events", "casualties", "statements", "control", "tallies", "gazetteer", "incidents",
               "coverage", "rejects")


def load(data_dir: str | Path, tables: tuple[str, ...] = TABLE_NAMES) -> dict[str, pd.DataFrame]:
    """Processed tables by name, after checking every file against manifest.json."""
    d = Path(data_dir)
    check_manifest(d)
    return {t: pd.read_parquet(d / f"{t}.parquet") for t in tables}


def within(df: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, oblast: str = "all") -> pd.DataFrame:
    """Rows whose whole date range lies in [start, end], in one oblast unless oblast is 'all': the one
    window every notebook selects its reports by."""
    out = df[(df["date_start"] >= start) & (df["date_end"] <= end)]
    return out if oblast == "all" else out[out["oblast"] == oblast]
