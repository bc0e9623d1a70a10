"""Errors and reject records that name file, line, column, value and what was expected."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


class CleanError(Exception):
    """A fatal problem with an input file: the clean stops and writes nothing."""

    def __init__(self, file: str, line: int | None, column: str | None, value: object, expected: str):
        self.file, self.line, self.column, self.value, self.expected = file, line, column, value, expected
        where = file + (f", line {line}" if line is not None else "")
        what = f", column '{column}'" if column else ""
        val = f": got {value!r}" if value is not None else ""
        super().__init__(f"{where}{what}{val}; expected {expected}")

    def __reduce__(self):
        """Pickle by the five fields, so an error raised on a Dask worker reaches the driver as itself."""
        return CleanError, (self.file, self.line, self.column, self.value, self.expected)


@dataclass
class Rejects:
    """Collects rejected rows of one raw table; one record per row (its first failing column)."""

    table: str
    file: str

    def __post_init__(self) -> None:
        self._parts: list[pd.DataFrame] = []

    def add(self, rows: pd.DataFrame, column: str, reason: str | pd.Series, id_col: str | None) -> None:
        """Record rows (with their raw_line and the offending column) as rejected for `reason`."""
        if rows.empty:
            return
        value = rows[column] if column in rows.columns else pd.Series(pd.NA, index=rows.index, dtype="str")
        rid = rows[id_col] if id_col and id_col in rows.columns else pd.Series(pd.NA, index=rows.index, dtype="str")
        self._parts.append(
            pd.DataFrame(
                {
                    "table": self.table,
                    "file": self.file,
                    "line": rows["raw_line"].astype("Int64"),
                    "row_id": rid.astype("str"),
                    "column": column,
                    "value": value.astype("str"),
                    "reason": reason,
                }
            )
        )

    def any(self) -> bool:
        """Whether a row was recorded (frame() of none builds an empty frame: a few milliseconds)."""
        return bool(self._parts)

    def frame(self) -> pd.DataFrame:
        from analysis.registry.schema import REJECTS

        if not self._parts:
            return pd.DataFrame({c: pd.Series(dtype=f.dtype) for c, f in ((f.name, f) for f in REJECTS.processed)})
        return pd.concat(self._parts, ignore_index=True)


def ragged_rejects(table: str, file: str, line: pd.Series, n_cells: pd.Series, value: pd.Series,
                   expected: int | None) -> pd.DataFrame:
    """Reject records for rows with the wrong number of cells (read before any column can be named)."""
    value = value.astype("str")
    spans = value.str.count("\n").fillna(0).astype("int64")
    # a row that runs over several lines almost always has a quote that is opened and never closed
    hint = pd.Series("", index=value.index, dtype="str").where(
        spans == 0, "; this row runs over " + (spans + 1).astype("str") + " lines from line " + line.astype("str")
        + ": look for an unbalanced quote (\") there")
    return pd.DataFrame({
        "table": table, "file": file, "line": line.astype("Int64"),
        "row_id": pd.Series(pd.NA, index=line.index, dtype="str"), "column": "(row)", "value": value,
        "reason": f"{expected} cells per row, as in the header; got " + n_cells.astype("str") + hint})


#: a boolean column that marks the rows still in play. Checks mark failing rows instead of filtering them out, so
#: a frame of a million rows is copied once at the end (kept()) rather than once per check that finds a bad row.
ALIVE = "_alive"


def live(df: pd.DataFrame) -> pd.Series:
    """The rows still in play (not yet rejected)."""
    return df[ALIVE] if ALIVE in df.columns else pd.Series(True, index=df.index, name=ALIVE)


def mark_bad(df: pd.DataFrame, bad: pd.Series, rejects: Rejects, column: str, reason: str | pd.Series,
             id_col: str | None) -> pd.DataFrame:
    """Record the rows flagged in `bad` that are still in play in `rejects`, and mark them out of play.

    A row is rejected once, for the first check it fails: rows already out of play are not looked at again."""
    alive = live(df)
    if not bad.index.equals(df.index):  # a mask over some of the rows: the others are not bad
        bad = bad.reindex(df.index)
    bad = bad.fillna(False).astype(bool) & alive if bad.dtype != bool else bad & alive
    if not bad.any():
        return df
    r = reason.reindex(df.index[bad.to_numpy()]) if isinstance(reason, pd.Series) else reason  # the bad rows' only
    cols = list(dict.fromkeys(c for c in ("raw_line", column, id_col) if c and c in df.columns))
    rejects.add(df.loc[bad, cols], column, r, id_col)
    return df.assign(**{ALIVE: alive & ~bad})


def kept(df: pd.DataFrame) -> pd.DataFrame:
    """The rows still in play, without the marker column: the one copy of the frame."""
    if ALIVE not in df.columns:
        return df
    alive = df[ALIVE].to_numpy()
    df = df.drop(columns=ALIVE)
    return df if alive.all() else rows(df, alive)


def rows(df: pd.DataFrame | pd.Series, mask: pd.Series | np.ndarray) -> pd.DataFrame | pd.Series:
    """df[mask] for a boolean mask, by positions: pandas' boolean indexing of Arrow text columns costs
    several times a take of the same rows."""
    return df.take(np.flatnonzero(np.asarray(mask, dtype=bool)))


def take_bad(df: pd.DataFrame, bad: pd.Series, rejects: Rejects, column: str, reason: str | pd.Series,
             id_col: str | None) -> pd.DataFrame:
    """Move the rows flagged in `bad` into `rejects` and return the rest: df itself when none is flagged and none
    was marked before (nearly every check of nearly every import batch), without a mask of the rows in play."""
    if ALIVE not in df.columns and pd.api.types.is_bool_dtype(bad.dtype) and not bad.any():
        return df
    return kept(mark_bad(df, bad, rejects, column, reason, id_col))
