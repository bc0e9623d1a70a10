"""Helpers the notebooks call, and `setup`, the one call that opens every notebook.

Modules: load (the processed tables, checked against the manifest), params (one check per parameter),
param_specs (the same checks declared per notebook, for the runner), keyfigures, plots, maps, tidy_tables,
saved_files (files behind figures and tables), shelling, casualties, diplomacy, control, front.

Heavy imports (pandas, matplotlib) happen inside `setup`, so the report runner can import
`analysis.notebook.keyfigures` and `analysis.notebook.saved_files` for their constants without paying for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from analysis.notebook.keyfigures import key_figures

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Session", "key_figures", "setup"]


class Session(NamedTuple):
    """What a notebook's first cell needs; unpacks as `DATA, START, END, tables = setup(...)`."""

    data_dir: Path
    start: pd.Timestamp
    end: pd.Timestamp
    tables: dict[str, pd.DataFrame]


def setup(data_dir: object, start_date: object, end_date: object,
          tables: tuple[str, ...] | None = None) -> Session:
    """Check the data folder and the period parameters, load the processed tables (all, or those named; checked
    against the manifest) and set the figure theme: the same first steps in every notebook, so they cannot drift
    apart."""
    from analysis.notebook import params, plots
    from analysis.notebook.load import TABLE_NAMES, load

    folder = params.processed_folder("data_dir", data_dir)
    start, end = params.date_range(start_date, end_date)
    loaded = load(folder, TABLE_NAMES if tables is None else tuple(tables))
    plots.theme()
    return Session(folder, start, end, loaded)
