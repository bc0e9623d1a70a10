"""Check notebook parameters in the first cell after the parameters cell.

A bad value stops the run with a message naming the parameter, the value and what is allowed.
Values are only ever compared and parsed, never evaluated. The same checks run twice: in the notebook (for
JupyterLab) and, through `analysis.notebook.param_specs`, in the runner before any kernel starts.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analysis.support.paths import repo_root

LIST_MAX = 12  # allowed values listed in full up to this many; past it, the closest ones


class ParameterError(ValueError):
    """A notebook parameter has a value the notebook cannot use."""

    def __init__(self, name: str, value: object, allowed: str):
        super().__init__(f"parameter {name}={value!r} is not allowed: expected {allowed}")
        self.name = name


def listing(value: object, allowed: list[str], lead: str = "one of", limit: int = LIST_MAX) -> str:
    """What is allowed: every value of a short list; of a long one how many, a few, and the closest to value
    ("did you mean Izium?"), so a message stays one short line whatever the size of the gazetteer."""
    texts = [str(a) for a in allowed]
    lead = f"{lead} " if lead else ""
    if len(texts) <= limit:
        return lead + ", ".join(texts)
    close = difflib.get_close_matches(str(value), texts, n=3, cutoff=0.6) if isinstance(value, str) else []
    if not close and isinstance(value, str) and len(value) >= 4:  # another case or a prefix: "izium", "Kharkiv obl"
        close = [t for t in texts if t.casefold().startswith(value.casefold()[:4])][:3]
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return f"{lead}{len(texts)} values such as {', '.join(texts[:3])}{hint}"


def date(name: str, value: object) -> pd.Timestamp:
    """An ISO date YYYY-MM-DD."""
    try:
        ts = pd.Timestamp(str(value))
    except (ValueError, TypeError):
        raise ParameterError(name, value, "a date YYYY-MM-DD") from None
    if not isinstance(value, str) or len(value) != 10 or pd.isna(ts):
        raise ParameterError(name, value, "a date YYYY-MM-DD")
    return ts


def date_range(start: object, end: object) -> tuple[pd.Timestamp, pd.Timestamp]:
    s, e = date("start_date", start), date("end_date", end)
    if e < s:
        raise ParameterError("end_date", end, f"a date on or after start_date ({start})")
    return s, e


def choice(name: str, value: object, allowed: Iterable[str]) -> str:
    allowed = list(allowed)
    if not isinstance(value, str) or value not in allowed:
        raise ParameterError(name, value, listing(value, allowed))
    return value


def choices(name: str, value: object, allowed: Iterable[str]) -> list[str]:
    """A list of allowed values, one allowed value (what `-p NAME VALUE` on the command line can give), or 'all'."""
    allowed = list(allowed)
    if value == "all":
        return allowed
    if isinstance(value, str) and value in allowed:
        return [value]
    if not isinstance(value, list | tuple) or not value or any(v not in allowed for v in value):
        wrong = next((v for v in value if v not in allowed), value) if isinstance(value, list | tuple) else value
        raise ParameterError(name, value, "'all' or a non-empty list drawn from " + listing(wrong, allowed, lead=""))
    return list(value)


def integer(name: str, value: object, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ParameterError(name, value, f"a whole number from {lo} to {hi}")
    return value


def boolean(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ParameterError(name, value, "True or False")
    return value


def processed_folder(name: str, value: object) -> Path:
    """A folder of processed tables (it is only read)."""
    if not isinstance(value, str) or "\x00" in value:
        raise ParameterError(name, value, "a path to a folder of processed tables")
    p = Path(os.path.expanduser(value))
    if not p.is_absolute() and not p.exists():
        p = repo_root() / value
    if not (p / "manifest.json").is_file():
        raise ParameterError(name, value, "a folder with manifest.json, written by `python -m analysis clean`")
    return p


def place(name: str, value: object, gazetteer: pd.DataFrame, allowed: Iterable[str]) -> str:
    """A settlement or raion name as the gazetteer spells it (allowed); another spelling the cleaner's own matcher
    resolves to one of them ("Izyum", "Изюм") is read as that name, anything else names the closest ones."""
    allowed = sorted(set(allowed))
    if isinstance(value, str) and value in allowed:
        return value
    if isinstance(value, str) and value.strip():
        from analysis.clean.places import Gazetteer

        pid, _how = Gazetteer(gazetteer).match_one(value, None, None)
        rows = gazetteer.loc[gazetteer["place_id"] == pid, "name"] if pid else []
        if len(rows) and rows.iloc[0] in allowed:
            return str(rows.iloc[0])
    raise ParameterError(name, value, listing(value, allowed, lead="a settlement or raion of the gazetteer, one of"))
