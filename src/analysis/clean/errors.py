"""Errors and reject records that name file, line, column, value and what was expected."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


class CleanError(Exception):
    """A fatal problem with an input file: the clean stops and writes nothing."""

    def __init__(self, file: str, line: int | None, column: str | None, value: object, expected: str):
        self.file, self.line, self.column, self.value, self.expected = file, line, column, value, expected
        where = file + (f", line {line}" if line is not None else "")
        what = f", column '{column}'" if column else ""
        val = f": got {value!r}" if value is not None else ""
        super().__init__(f"{where}{what}{val}; expected {expected}")


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

    def frame(self) -> pd.DataFrame:
        from analysis.schema import REJECTS

        if not self._parts:
            return pd.DataFrame({c: pd.Series(dtype=f.dtype) for c, f in ((f.name, f) for f in REJECTS.processed)})
        return pd.concat(self._parts, ignore_index=True)


def take_bad(df: pd.DataFrame, bad: pd.Series, rejects: Rejects, column: str, reason: str | pd.Series,
             id_col: str | None) -> pd.DataFrame:
    """Move the rows flagged in `bad` into `rejects` and return the rest."""
    bad = bad.reindex(df.index).fillna(False).astype(bool)
    if bad.any():
        r = reason.reindex(df.index)[bad] if isinstance(reason, pd.Series) else reason
        rejects.add(df[bad], column, r, id_col)
        return df[~bad]
    return df
