"""Helpers that notebooks call so the runner can cite what they computed.

`key_figures` shows a readable table and, in the same display output, a machine-readable
copy (mimetype ``KEY_FIGURES_MIME``) that `analysis.run` extracts from the executed notebook
into the report's provenance, where `oskil verify` compares them on a re-run.
"""

from __future__ import annotations

import math
import numbers
import os
from pathlib import Path

from analysis.support.paths import repo_root

KEY_FIGURES_MIME = "application/vnd.oskil.key-figures+json"
DATA_DIR_ENV = "OSKIL_DATA_DIR"
READ_LOG_ENV = "OSKIL_READ_LOG"  # load() appends the hashes of the bytes it read here (analysis.notebook.load)

Figure = int | float | str


def _clean_value(name: str, value: object) -> Figure:
    """Coerce numpy scalars to plain JSON types; refuse values JSON cannot carry."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"key figure {name!r} is {number}; report it as a string if intended")
        return number
    raise TypeError(f"key figure {name!r} must be int, float or str, not {type(value).__name__}")


def format_value(value: Figure) -> str:
    """Readable form: thousands separators, at most two decimals for numbers >= 1."""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return f"{value:,}"
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.3g}"


def key_figures(figures: dict[str, Figure]) -> None:
    """Display the headline numbers of a notebook and hand them to the report runner."""
    import pandas as pd
    from IPython.display import display

    clean = {str(name): _clean_value(str(name), value) for name, value in figures.items()}
    table = pd.DataFrame({"Key figure": list(clean), "Value": [format_value(v) for v in clean.values()]})
    bundle = {
        "text/plain": table.to_string(index=False),
        "text/html": table.to_html(index=False, escape=True, classes="oskil-key-figures"),
        KEY_FIGURES_MIME: clean,
    }
    display(bundle, raw=True)


def default_data_dir() -> Path:
    """Folder of the processed data: the runner's ``--data-dir`` (env), else ``<repo>/data/processed``.

    Notebooks run with their own folder as working directory (as in JupyterLab), so they
    must not hard-code relative data paths; they call this instead.
    """
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV])
    return repo_root() / "data" / "processed"
