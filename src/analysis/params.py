"""Check notebook parameters in the first cell after the parameters cell.

A bad value stops the run with a message naming the parameter, the value and what is allowed.
Values are only ever compared and parsed, never evaluated.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analysis.paths import repo_root


class ParameterError(ValueError):
    """A notebook parameter has a value the notebook cannot use."""

    def __init__(self, name: str, value: object, allowed: str):
        super().__init__(f"parameter {name}={value!r} is not allowed: expected {allowed}")


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
        raise ParameterError(name, value, "one of " + ", ".join(map(str, allowed)))
    return value


def choices(name: str, value: object, allowed: Iterable[str]) -> list[str]:
    """A list of allowed values, one allowed value (what `-p NAME VALUE` on the command line can give), or 'all'."""
    allowed = list(allowed)
    if value == "all":
        return allowed
    if isinstance(value, str) and value in allowed:
        return [value]
    if not isinstance(value, list | tuple) or not value or any(v not in allowed for v in value):
        raise ParameterError(name, value, "'all' or a non-empty list drawn from " + ", ".join(map(str, allowed)))
    return list(value)


def integer(name: str, value: object, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ParameterError(name, value, f"a whole number from {lo} to {hi}")
    return value


def boolean(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ParameterError(name, value, "True or False")
    return value


def data_dir(name: str, value: object) -> Path:
    """A folder of processed tables (it is only read)."""
    if not isinstance(value, str) or "\x00" in value:
        raise ParameterError(name, value, "a path to a folder of processed tables")
    p = Path(value)
    if not p.is_absolute() and not p.exists():
        p = repo_root() / value
    if not (p / "manifest.json").is_file():
        raise ParameterError(name, value, "a folder with manifest.json, written by `python -m analysis clean`")
    return p
