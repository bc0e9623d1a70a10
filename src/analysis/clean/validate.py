"""Pandera schemas for the processed tables and the checks between tables, built from the schema registry:
dtypes, required and unique columns, vocabularies, bounds, count triples and foreign keys all come from
analysis.registry.schema, so a column added there is validated without an edit here."""

from __future__ import annotations

import functools
from collections.abc import Collection
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.clean import arrow_lookup
from analysis.registry.schema import TABLES, Field, Table
from analysis.registry.vocab import MULTI_VALUED, VOCABULARIES

if TYPE_CHECKING:
    import pandera.pandas as pa


def _pandera():
    """pandera.pandas, imported when a schema is first built: a frame that _passes() clears never needs it, so
    a clean or an import whose tables are all valid does without its import (about half a second)."""
    import pandera.pandas

    return pandera.pandas


def _all_words_in(s: pd.Series, allowed: list[str]) -> pd.Series:
    """Every ';'-separated word of each cell is in `allowed`; worked out once per distinct cell."""
    return arrow_lookup.per_distinct(s, lambda u: u.str.split(";").explode().isin(allowed).groupby(level=0).all()
                             .reindex(u.index, fill_value=False))


def _checks(f: Field) -> list[pa.Check]:
    """The column checks of one processed field: its vocabulary and its bounds."""
    pa = _pandera()
    checks: list[pa.Check] = []
    if f.vocab:
        allowed = list(VOCABULARIES[f.vocab])
        if f.name in MULTI_VALUED:
            checks.append(pa.Check(lambda s, a=allowed: _all_words_in(s, a), element_wise=False,
                                   error=f"every ';'-separated value in {allowed}"))
        else:
            checks.append(pa.Check.isin(allowed))
    if f.bounds:
        lo, hi = f.bounds
        if lo is not None and hi is not None:
            checks.append(pa.Check.in_range(lo, hi))
        elif lo is not None:
            checks.append(pa.Check.ge(lo))
        elif hi is not None:
            checks.append(pa.Check.le(hi))
    return checks


def _counts_ordered(d: pd.DataFrame, low: str, best: str, high: str) -> pd.Series:
    """Per row, low <= best <= high, an empty high being open (an empty low or best passes)."""
    return ((d[low] <= d[best]) & (d[high].isna() | (d[best] <= d[high]))).fillna(True)


def _dates_ordered(d: pd.DataFrame) -> pd.Series:
    """Per row, date_start <= date_end."""
    return d["date_start"] <= d["date_end"]


def _ordered_count(m: str, low: str, best: str, high: str) -> pa.Check:
    """low <= best <= high, an empty high being open."""
    return _pandera().Check(lambda d: _counts_ordered(d, low, best, high), error=f"{m}: low <= best <= high")


def schema_for(table: Table, typed: bool = False) -> pa.DataFrameSchema:
    """The table's pandera schema. typed: leave the dtype checks out, for a frame whose dtypes are already
    known to be the registry's (_typed); every other check stays."""
    pa = _pandera()
    cols = {f.name: pa.Column(None if typed else f.dtype, nullable=not f.required, unique=f.unique,
                              checks=_checks(f), coerce=False)
            for f in table.processed}
    frame_checks = []
    if "date_start" in cols and "date_end" in cols:
        frame_checks.append(pa.Check(_dates_ordered, error="date_start <= date_end"))
    for m in table.measures:
        frame_checks.append(_ordered_count(m, *(table.count_column(m, p) for p in ("low", "best", "high"))))
    return pa.DataFrameSchema(cols, checks=frame_checks, strict=True, ordered=True, name=table.name)


_SCHEMAS: dict[tuple[str, int, bool], pa.DataFrameSchema] = {}


def _schema(table: Table, typed: bool) -> pa.DataFrameSchema:
    """schema_for, built once per table (an import validates events and casualties chunk by chunk)."""
    key = (table.name, id(table), typed)
    if key not in _SCHEMAS:
        _SCHEMAS[key] = schema_for(table, typed)
    return _SCHEMAS[key]


def _typed(df: pd.DataFrame, table: Table) -> bool:
    """True when df has exactly the table's processed columns, in order, each with the registry's dtype:
    what tables.cast gives every processed table. pandera's own dtype check of a text column builds and
    inspects a result per cell; this is one comparison per column."""
    names, dtypes = _dtypes(table)
    return list(df.columns) == names and all(a == b for a, b in zip(df.dtypes.tolist(), dtypes, strict=True))


@functools.cache
def _dtypes(table: Table) -> tuple[list[str], list]:
    """The table's processed column names and their pandas dtypes."""
    return [f.name for f in table.processed], [pd.api.types.pandas_dtype(f.dtype) for f in table.processed]


def validate(name: str, df: pd.DataFrame, copy: bool = True) -> pd.DataFrame:
    """Validate one processed table; raises pandera's SchemaErrors listing every failure. A frame whose
    columns already have the registry's dtypes is checked without pandera's dtype checks (they would pass);
    any other goes through the full schema, so a wrong dtype is reported as before. copy=False: pandera checks
    df itself instead of a copy (the schemas coerce nothing, so df is not changed), for a caller that holds
    the only reference (the import's tables: a million-row copy each, made while other tables are written)."""
    table = TABLES[name]
    typed = _typed(df, table)
    if typed and _passes(df, table):
        return df.copy() if copy else df
    return _schema(table, typed).validate(df, lazy=True, inplace=not copy)


def _passes(df: pd.DataFrame, table: Table) -> bool:
    """True only when every check of schema_for(table, typed=True) passes on df (whose dtypes are the
    registry's): the same rules worked out on numpy arrays, and once per distinct value for a vocabulary.
    pandera's run of those checks cost 20-35 ms per 32,768-row chunk (about 2.5 s of an import's writing at a
    million rows). False means "not sure": a column of another kind, or a failure; the caller then runs
    pandera, which decides and reports as before. So this can only skip work, never pass a frame that pandera
    would fail."""
    for f in table.processed:
        if not (f.required or f.unique or f.vocab or f.bounds):
            continue
        s = df[f.name]
        if f.required and s.hasnans:
            return False
        if f.unique and not (arrow_lookup.is_sorted(s, strict=True) or arrow_lookup.all_distinct(s)):
            return False
        if f.vocab and not _in_vocabulary(s, f):
            return False
        if f.bounds and not _in_bounds(s, f.bounds):
            return False
    if "date_start" in df.columns and "date_end" in df.columns and not _all_true(_dates_ordered(df)):
        return False
    return all(_counts_pass(df, *(table.count_column(m, p) for p in ("low", "best", "high")))
               for m in table.measures)


def _all_true(ok: pd.Series) -> bool:
    """Every cell True, none missing (pandera would skip a missing one: stricter is safe here)."""
    return not ok.hasnans and bool(ok.all())


def _in_vocabulary(s: pd.Series, f: Field) -> bool:
    """Every non-missing cell of a text column in f's vocabulary (each ';'-separated word, for a multi-valued
    column), tested once per distinct cell; a column that is not text: False (pandera decides)."""
    if s.dtype != "str":
        return False
    return in_vocabulary(pc.unique(arrow_lookup.arrow(s)), f)


def in_vocabulary(cells: pa.Array | pa.ChunkedArray, f: Field) -> bool:
    """Every non-missing text value in `cells` (the distinct cells of a column, or a coded column's categories)
    in f's vocabulary, each ';'-separated word of them for a multi-valued column; not text: False."""
    if not (pa.types.is_string(cells.type) or pa.types.is_large_string(cells.type)):
        return False
    allowed = set(VOCABULARIES[f.vocab])
    values = cells.drop_null().to_pylist()
    if f.name in MULTI_VALUED:
        return all(w in allowed for cell in values for w in cell.split(";"))
    return all(cell in allowed for cell in values)


def passes_arrow(name: str, table: pa.Table, known: Collection[str] = ()) -> bool:
    """_passes for a chunk built directly in Arrow (an import's streamed tables, chunked.Streamed.tables):
    True only when every check of schema_for(TABLES[name], typed=True) holds. `known`: columns whose vocabulary
    is already known to hold for every cell (a coded column's categories, checked once for the table). False
    means "not sure" (a column of another kind, or a failure): the caller then validates the chunk as a pandas
    frame (validate), which decides and reports as before."""
    t = TABLES[name]
    if table.column_names != [f.name for f in t.processed]:
        return False
    for f in t.processed:
        col = table.column(f.name)
        if f.required and col.null_count:
            return False
        if f.unique and not _strictly_ascending(col):
            return False
        if f.vocab and f.name not in known and not in_vocabulary(pc.unique(col), f):
            return False
        if f.bounds and not _arrow_in_bounds(col, f.bounds):
            return False
    names = set(table.column_names)
    if {"date_start", "date_end"} <= names:
        start, end = table.column("date_start"), table.column("date_end")
        if start.null_count or end.null_count or not pc.all(pc.less_equal(start, end)).as_py():
            return False
    for m in t.measures:
        low, best, high = (table.column(t.count_column(m, p)) for p in ("low", "best", "high"))
        if not all(pa.types.is_integer(c.type) for c in (low, best, high)):
            return False
        if pc.any(pc.greater(low, best)).as_py() or pc.any(pc.greater(best, high)).as_py():  # nulls skipped
            return False
    return True


def _strictly_ascending(col: pa.ChunkedArray) -> bool:
    """Each cell greater than the one before (so unique), none missing; fewer than two cells: True."""
    if col.null_count:
        return False
    if len(col) < 2:
        return True
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    return bool(pc.all(pc.greater(arr[1:], arr[:-1])).as_py())


def _arrow_in_bounds(col: pa.ChunkedArray, bounds: tuple[float | None, float | None]) -> bool:
    """_in_bounds for an Arrow integer or float column (missing cells skipped); a float NaN or another type:
    False (not sure)."""
    if pa.types.is_floating(col.type):
        if pc.any(pc.is_nan(col)).as_py():
            return False
    elif not pa.types.is_integer(col.type):
        return False
    got = pc.min_max(col)
    lo_seen, hi_seen = got["min"].as_py(), got["max"].as_py()
    if lo_seen is None:  # every cell missing
        return True
    lo, hi = bounds
    return (lo is None or lo_seen >= lo) and (hi is None or hi_seen <= hi)


def _numbers(s: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """(values as float64, missing) of an integer or float column, or None for any other column or for a float
    NaN that pandas does not count as missing (pandera decides those). Counts and coordinates are far below
    2**53, so their float64 values compare as the integers do."""
    if not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        return None
    missing = s.isna().to_numpy(dtype=bool)
    values = s.to_numpy(dtype="float64", na_value=np.nan)
    if pd.api.types.is_integer_dtype(s.dtype):  # no NaN but the missing cells (0.3 ms a 32,768-row column)
        return values, missing
    return None if (np.isnan(values) & ~missing).any() else (values, missing)


def _in_bounds(s: pd.Series, bounds: tuple[float | None, float | None]) -> bool:
    """Every non-missing cell of a numeric column within bounds (inclusive; None: open), as pandera's in_range,
    ge and le compare; a column that is not numeric: False (pandera decides)."""
    got = _numbers(s)
    if got is None:
        return False
    values, missing = got
    lo, hi = bounds
    out = np.zeros(len(values), dtype=bool)
    if lo is not None:
        out |= values < lo
    if hi is not None:
        out |= values > hi
    return not (out & ~missing).any()


def _counts_pass(d: pd.DataFrame, low: str, best: str, high: str) -> bool:
    """_counts_ordered(d, ...) holds on every row: it fails only where low and best are both given and
    low > best, or best and high are both given and best > high (a missing cell makes its comparison pass).
    On numpy arrays; columns that are not numbers: the pandas expression itself."""
    got = [_numbers(d[c]) for c in (low, best, high)]
    if any(g is None for g in got):
        return _all_true(_counts_ordered(d, low, best, high))
    (lo, lo_na), (b, b_na), (hi, hi_na) = got
    bad = ((lo > b) & ~lo_na & ~b_na) | ((b > hi) & ~b_na & ~hi_na)
    return not bad.any()


def integrity(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Cross-table checks: every foreign key of the registry resolves (empty cells aside), in every table given
    whose target table is given too. One line per dangling key, with up to five of its values."""
    problems = []
    keys: dict[str, pd.Series] = {}  # each target table's key, taken once (an import's may be decoded per call)
    covered: set[tuple] = set()  # (keys, column) found covered, by where their cells come from (_source)
    for name, df in tables.items():
        for fk in TABLES[name].foreign_keys:
            if fk.table not in tables:
                continue
            pair = (_source(tables[fk.table], TABLES[fk.table].key), _source(df, fk.column))
            if pair in covered:  # the same cells checked against the same keys already
                continue
            column = df[fk.column]
            if fk.table not in keys:
                keys[fk.table] = tables[fk.table][TABLES[fk.table].key]
            if arrow_lookup.covers(keys[fk.table], column):  # the common case: nothing dangles
                if None not in pair:
                    covered.add(pair)
                continue
            values = column.dropna()
            gone = sorted(set(values[~arrow_lookup.isin(values, keys[fk.table])]))
            if gone:
                problems.append(f"{name}: {fk.column} values not in {fk.table}: {gone[:5]}")
    return problems


def _source(df, column: str):
    """Where df's column comes from, when df says (a view with a `source` method, as an import's streamed tables
    give: chunked.CodedView), else None: two columns of one source are the same cells. An import's casualties
    name their events and their incidents by the same event ids, and the incidents' key is the events' key read
    as it: the second check of those ids against those keys (a hash of a million keys) would repeat the first."""
    source = getattr(df, "source", None)
    return source(column) if callable(source) else None
